using Fixpoint.Experiments;

namespace Fixpoint.Cli;

/// <summary>
/// <c>fixpoint reproduce</c>: reruns a documented result with fixed seeds. Each reproduction is a subcommand,
/// registered in <see cref="Create"/>: <c>ke2024</c> (ReproduceKe2024.cs, docs/results/paper-a.md) and
/// <c>applications</c> (in this file, docs/results/applications.md).
/// </summary>
internal static class ReproduceCommand
{
    public static Command Create(CliConsole console, CancellationToken ct)
    {
        var cmd = new Command("reproduce", "Reproduce a paper's results or a documented result page, with fixed seeds; each is a subcommand.");
        // One line per reproduction; each lives in its own file (or, for applications, below).
        cmd.Subcommands.Add(ReproduceKe2024.Create(console, ct));
        cmd.Subcommands.Add(Applications(console, ct));
        return cmd;
    }

    private static Command Applications(CliConsole console, CancellationToken ct)
    {
        var output = new VerbOutput("fixpoint-applications", null, "the PNG figures");
        var quick = new Option<bool>("--quick") { Description = "Tiny sizes that finish in seconds (a smoke test; its numbers mean nothing)." };
        var cmd = new Command("applications", "Train on the shipped digits, count stored attractors and heavy tails, restore damaged images, classify by basin, and measure early exit; writes applications.md with every table.");
        cmd.Options.Add(output.Out);
        cmd.Options.Add(quick);
        cmd.Options.Add(output.NoPlot);
        cmd.SetAction(p => RunApplications(output.Dir(p), p.GetValue(quick) ? ApplicationsPlan.Quick : ApplicationsPlan.Full, output.Plot(p),
            VerbOutput.CommandLine(p), console, ct));
        return cmd;
    }

    internal static int RunApplications(string dir, ApplicationsPlan plan, bool plot, string command, CliConsole console, CancellationToken ct)
    {
        Directory.CreateDirectory(dir);
        var stages = new VerbStages(dir, plot, command, console);
        ApplicationsOutcome outcome = ApplicationsPipeline.Run(plan, stages, ct);
        if (outcome.Result is not ApplicationsResult r) return stages.ExitCode;

        AtomicFile.WriteText(Path.Combine(dir, "applications.md"), Markdown(command, r));
        AppJson.Write(Path.Combine(dir, "applications.json"), new
        {
            Format = "fixpoint-reproduce-applications/1",
            FixpointVersion = FixpointCli.Version,
            Command = command,
            Plan = plan,
            Stages = r.Stages.Select(s => new { s.Stage, s.Seconds }),
            TotalSeconds = r.TotalSeconds,
            Processors = Environment.ProcessorCount,
            Outputs = new[] { "train/", "train-plain/", "restore/", "classify/", "early-exit/", "applications.md" },
        });
        console.Out.WriteLine($"reproduce applications finished in {r.TotalSeconds:0.0} s on {Environment.ProcessorCount} cores; tables in {Path.Combine(dir, "applications.md")}");
        return ExitCodes.Ok;
    }

    /// <summary>Each stage of the pipeline run by its verb, which prints its lines and writes its folder; the first exit code that is not Ok stops the run.</summary>
    private sealed class VerbStages(string dir, bool plot, string command, CliConsole console) : IApplicationsStages
    {
        public int ExitCode { get; private set; } = ExitCodes.Ok;

        public void Begin(int number, ApplicationsStage stage) => console.Out.WriteLine($"== {number}. {stage.Title}");

        public AutoencoderRun? Train(AutoencoderStage s, CancellationToken ct)
        {
            var o = TrainCommand.Execute(new TrainCommand.Settings(s.Data, s.Split, s.Network, s.Train, s.Memory, true, Out(s), plot, Command(s)), console, ct);
            return Ok(o.ExitCode) ? new AutoencoderRun(o.Training, o.Memory!, o.ModelPath) : null;
        }

        public RestoreReport? Restore(RestoreStage s, string modelPath, Network network, AutoencoderRun trained, CancellationToken ct)
        {
            var o = RestoreCommand.Execute(new RestoreCommand.Settings(modelPath, network, s.Data, s.Split, s.Options, s.RandomStarts, Out(s), plot, Command(s)), console, ct, trained.Memory);
            return Ok(o.ExitCode) ? o.Report : null;
        }

        public ClassifyReport? Classify(ClassifyStage s, string modelPath, Network network, CancellationToken ct)
        {
            var o = ClassifyCommand.Execute(new ClassifyCommand.Settings(modelPath, network, s.Data, s.Split, s.Options, Out(s), plot, Command(s)), console, ct);
            return Ok(o.ExitCode) ? o.Report : null;
        }

        public IReadOnlyList<EarlyExitModel>? EarlyExit(EarlyExitStage s, CancellationToken ct)
        {
            var o = EarlyExitCommand.Execute(new EarlyExitCommand.Settings(s.Data, s.Split, s.Models, s.Hidden, s.Loops, s.Activation, s.Train, s.Exit, Out(s), plot, Command(s)), console, ct);
            return Ok(o.ExitCode) ? o.Models.Select(m => new EarlyExitModel(m.Name, m.Training, m.Report)).ToList() : null;
        }

        private string Out(ApplicationsStage s) => Path.Combine(dir, s.Folder);
        private string Command(ApplicationsStage s) => $"{command} [{s.Tag}]";

        private bool Ok(int code)
        {
            ExitCode = code;
            return code == ExitCodes.Ok;
        }
    }

    /// <summary>applications.md: every table of the run, from the pipeline's records.</summary>
    private static string Markdown(string command, ApplicationsResult result)
    {
        ApplicationsPlan plan = result.Plan;
        AutoencoderRun trained = result.Trained, plain = result.Plain;
        RestoreReport restore = result.Restore;
        IReadOnlyList<EarlyExitModel> exit = result.EarlyExit;
        IReadOnlyList<StageTime> stages = result.Stages;
        double total = result.TotalSeconds;
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"<!-- generated by `{command}` (fixpoint {FixpointCli.Version}) -->");
        sb.AppendLine();
        sb.AppendLine("### Training and storage");
        sb.AppendLine();
        sb.AppendLine("| | plain (λ = 0) | Jacobian penalty (λ = 0.1) |");
        sb.AppendLine("|---|---|---|");
        EpochRecord a = plain.Training.Final, b = trained.Training.Final;
        MemoryReport pm = plain.Memory, tm = trained.Memory;
        Row("training reconstruction MSE", Format.Sci(a.Reconstruction), Format.Sci(b.Reconstruction));
        Row("test reconstruction MSE", Format.Sci(a.TestReconstruction), Format.Sci(b.TestReconstruction));
        Row("Jacobian penalty (1/N)‖J v‖² at the training images (≈ mean σ²(J))", Format.Sci(a.JacobianPenalty), Format.Sci(b.JacobianPenalty));
        Row("median ‖F(x) − x‖∞ at a training image", Format.Sci(pm.MedianResidual), Format.Sci(tm.MedianResidual));
        Row("median ρ(J(x)) at a training image", Format.Sci(pm.MedianSpectralRadiusAtImage), Format.Sci(tm.MedianSpectralRadiusAtImage));
        Row($"training images stored (attracting fixed point within ‖x* − x‖∞ ≤ {tm.StoreTol.ToString(ci)})", $"{pm.Stored} / {pm.TrainingImages}", $"{tm.Stored} / {tm.TrainingImages}");
        foreach (string key in tm.StoredAt.Keys) Row($"… within {key}", $"{pm.StoredAt[key]}", $"{tm.StoredAt[key]}");
        Row("median ‖x* − x‖∞ to the attractor reached", Format.Sci(pm.MedianDistance), Format.Sci(tm.MedianDistance));
        Row($"census ({pm.TrainingImages} training images + {pm.RandomStarts} uniform starts): fixed points (stable)", $"{pm.FixedPoints} ({pm.StableFixedPoints})", $"{tm.FixedPoints} ({tm.StableFixedPoints})");
        Row("cycles", $"{pm.Cycles}", $"{tm.Cycles}");
        Row("distinct attractors reached from training images", $"{pm.AttractorsOfTrainingImages}", $"{tm.AttractorsOfTrainingImages}");
        Row("spurious attractors (from random starts only)", $"{pm.SpuriousAttractors}", $"{tm.SpuriousAttractors}");
        Row("training time (s)", plain.Training.Seconds.ToString("0.0", ci), trained.Training.Seconds.ToString("0.0", ci));
        Row("Krawczyk certificates (attractors of stored images): unique fixed point proved / tried", Cert(pm), Cert(tm));
        sb.AppendLine();
        sb.AppendLine("### Heavy tails (per layer: epoch 0 → last epoch)");
        sb.AppendLine();
        sb.AppendLine("| run | layer | Hill index of \\|W_ij\\| | ESD power-law α of WᵀW | ‖W‖₂ |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var (name, o) in new[] { ("plain", plain), ("penalty", trained) })
        {
            EpochRecord f = o.Training.History[0], l = o.Training.Final;
            for (int i = 0; i < l.Tails.Count; i++)
                sb.AppendLine($"| {name} | {i} | {f.Tails[i].Hill:0.00} → {l.Tails[i].Hill:0.00} | {Format.Alpha(f.Tails[i].Esd)} → {Format.Alpha(l.Tails[i].Esd)} | {f.Tails[i].SpectralNorm:0.00} → {l.Tails[i].SpectralNorm:0.00} |");
        }
        sb.AppendLine();
        sb.AppendLine($"### Restoration (λ = 0.1 network; {plan.RestoreImages} images per set; mean PSNR in dB, higher is better, and mean MSE, lower is better; recall = the damaged image reaches the clean image's attractor)");
        foreach (string set in restore.Rows.Select(r => r.Set).Distinct())
        {
            sb.AppendLine();
            sb.AppendLine($"{(set == "stored" ? "Stored (training) images" : "Unseen (test) images")}:");
            sb.AppendLine();
            sb.AppendLine("| damage | PSNR damaged | PSNR one pass | PSNR attractor | PSNR nearest training image | MSE damaged | MSE one pass | MSE attractor | MSE nearest | recall | attractor beats one pass |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (RestoreRow r in restore.Rows.Where(r => r.Set == set))
                sb.AppendLine($"| {r.Damage} | {r.Damaged.Psnr:0.00} | {r.OnePass.Psnr:0.00} | {r.Attractor.Psnr:0.00} | {r.Nearest.Psnr:0.00} | {r.Damaged.Mse:0.0000} | {r.OnePass.Mse:0.0000} | {r.Attractor.Mse:0.0000} | {r.Nearest.Mse:0.0000} | {Format.Percent(r.RecallRate)} | {Format.Percent(r.AttractorBetterThanOnePass)} |");
        }
        sb.AppendLine();
        ClassifyReport c = result.Classify;
        sb.AppendLine("### Classification by basin");
        sb.AppendLine();
        sb.AppendLine("| classifier | test accuracy |");
        sb.AppendLine("|---|---|");
        sb.AppendLine($"| basin of attraction ({c.Attractors} attractors labelled by {c.TrainImages} training images; coverage {Format.Percent(c.Coverage)}) | {Format.Percent(c.Accuracy)} |");
        sb.AppendLine($"| 1-nearest neighbour | {Format.Percent(c.OneNnAccuracy)} |");
        sb.AppendLine($"| {c.K}-nearest neighbours | {Format.Percent(c.KnnAccuracy)} |");
        sb.AppendLine();
        foreach (EarlyExitModel m in exit)
        {
            sb.AppendLine($"### Early exit: {m.Name} — {m.Report.Model}; full-depth test accuracy {Format.Percent(m.Report.FullDepthAccuracy)}, {m.Report.TestImages} test images");
            sb.AppendLine();
            sb.AppendLine("| rule | mean loops | loops min/q1/median/q3/max | accuracy | Δ accuracy (pp) | predictions changed | ms per pass | speed-up |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (EarlyExitRow r in m.Report.Rows)
                sb.AppendLine($"| {r.Rule} | {r.MeanLoops:0.00} | {EarlyExitCommand.Quartiles(r.LoopHistogram)} | {Format.Percent(r.Accuracy)} | {(100 * r.AccuracyChange).ToString("+0.00;-0.00;0.00", ci)} | {r.ChangedPredictions} | {1000 * r.MedianSeconds:0.00} | {r.SpeedUp:0.00}× |");
            sb.AppendLine();
        }
        sb.AppendLine("### Time");
        sb.AppendLine();
        sb.AppendLine("| stage | seconds |");
        sb.AppendLine("|---|---|");
        foreach (StageTime t in stages) sb.AppendLine($"| {t.Stage} | {t.Seconds:0.0} |");
        sb.AppendLine($"| total ({Environment.ProcessorCount} cores) | {total:0.0} |");
        return sb.ToString();

        void Row(string label, string x, string y) => sb.AppendLine($"| {label} | {x} | {y} |");
        static string Cert(MemoryReport m) => m.Certificates.Count == 0 ? "none tried" :
            $"{m.Certificates.Count(c => c.Status == Certify.CertificateStatus.Unique)} / {m.Certificates.Count} (box radius {string.Join(", ", m.Certificates.Where(c => c.Status == Certify.CertificateStatus.Unique).Select(c => c.LargestRadius.ToString("0.#e+0", CultureInfo.InvariantCulture)))})";
    }
}
