#!/usr/bin/env bash
# A Slurm job array that runs one sweep in N shards, one store per shard, then merge them.
#   sbatch --array=0-15 deploy/slurm-sweep.sh experiments/paper-b-cauchy.json results/cauchy
# After all array tasks finish:
#   dotnet fixpoint.dll sweep merge results/cauchy/shard-*.db --into results/cauchy/all.db
#SBATCH --job-name=fixpoint-sweep
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=04:00:00
#SBATCH --output=fixpoint-sweep-%A_%a.out
set -euo pipefail
spec=${1:?usage: sbatch --array=0-(n-1) deploy/slurm-sweep.sh SPEC OUTDIR}
out=${2:?usage: sbatch --array=0-(n-1) deploy/slurm-sweep.sh SPEC OUTDIR}
mkdir -p "$out"
# The shard k/n comes from SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN) and SLURM_ARRAY_TASK_COUNT.
# A requeued or resubmitted array task resumes its own store and skips finished tasks.
FIXPOINT=${FIXPOINT:-"dotnet $(dirname "$0")/../src/Fixpoint.Cli/bin/Release/net10.0/fixpoint.dll"}
$FIXPOINT sweep run "$spec" --store "$out/shard-${SLURM_ARRAY_TASK_ID}.db" --threads "${SLURM_CPUS_PER_TASK:-0}"
