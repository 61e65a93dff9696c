using System.Text;
using Fixpoint.Continuation;

namespace Fixpoint.Cli;

/// <summary>branches.csv and bifurcations.json of <c>fixpoint continue</c> (docs/continuation.md), written atomically.</summary>
internal static class ContinuationFiles
{
    public const string Format = "fixpoint-continuation";

    /// <summary>Coordinates written per point: all of them up to three, else the first three (a projection).</summary>
    public const int Coordinates = 3;

    public static string TypeKey(BifurcationType t) => t switch
    {
        BifurcationType.Fold => "fold",
        BifurcationType.Flip => "flip",
        BifurcationType.NeimarkSacker => "neimark-sacker",
        _ => "branch-point",
    };

    public static void WriteCsv(ContinuationResult r, string path)
    {
        int n = r.Branches.Count == 0 ? 0 : r.Branches[0].Points[0].X.Length;
        int shown = Math.Min(n, Coordinates);
        var sb = new StringBuilder("branch,parameter,norm");
        for (int i = 0; i < shown; i++) sb.Append(",x").Append(i);
        sb.AppendLine(",rho,unstable_dims,stability");
        foreach (Branch b in r.Branches)
            foreach (BranchPoint q in b.Points)
            {
                sb.Append(b.Id).Append(',').Append(F(q.Parameter)).Append(',').Append(F(Math.Sqrt(q.X.Sum(v => v * v))));
                for (int i = 0; i < shown; i++) sb.Append(',').Append(F(q.X[i]));
                sb.Append(',').Append(F(q.SpectralRadius)).Append(',').Append(q.UnstableDimensions).Append(',').AppendLine(q.Stability.Key());
            }
        AtomicFile.WriteText(path, sb.ToString());
    }

    public static void WriteJson(ContinuationResult r, string path, string command, string network, int starts)
    {
        var body = new
        {
            format = Format,
            fixpointVersion = FixpointCli.Version,
            command,
            network,
            parameter = r.Parameter,
            from = r.From,
            to = r.To,
            partial = r.Status == ContinuationStatus.Partial,
            newton = r.NewtonMethod,
            eigen = r.EigenMethod,
            startingPoints = starts,
            branches = r.Branches.Select(b => new
            {
                id = b.Id,
                origin = b.Origin,
                points = b.Points.Count,
                parameterMin = b.Points.Min(q => q.Parameter),
                parameterMax = b.Points.Max(q => q.Parameter),
                backwardEnd = ResultJson.Key(b.BackwardEnd),
                forwardEnd = ResultJson.Key(b.ForwardEnd),
            }).ToList(),
            bifurcations = r.Bifurcations.Select(f => new
            {
                type = TypeKey(f.Type),
                parameter = f.Parameter,
                point = f.X,
                criticalEigenvalues = f.CriticalEigenvalues.Select(e => new[] { e.Real, e.Imaginary }).ToList(),
                branch = f.Branch,
                newBranches = f.NewBranches,
                angle = f.Angle,
                located = f.Located,
            }).ToList(),
        };
        AppJson.Write(path, body);
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
