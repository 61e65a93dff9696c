using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Fixpoint.Applications;
using Fixpoint.IO;
using Fixpoint.Maps;
using Fixpoint.Spectra;
using Fixpoint.Training;

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

    /// <summary>The sizes of the applications run: the documented one, and a seconds-long smoke test.</summary>
    internal sealed record ApplicationsPlan(int TrainCount, int? TestCount, string Hidden, int Epochs, int CensusStarts, int RestoreImages,
        int ExitTrainCount, int ExitHidden, int ExitLoops, int ExitEpochs, int ExitRepeats, int Certify)
    {
        public static ApplicationsPlan Full { get; } = new(300, null, "256,256", 300, 1000, 100, 1200, 64, 16, 40, 9, 5);
        public static ApplicationsPlan Quick { get; } = new(40, 60, "32", 4, 50, 5, 200, 8, 4, 2, 1, 1);
    }

    private static Command Applications(CliConsole console, CancellationToken ct)
    {
        var outDir = new Option<string>("--out") { Description = "Output folder (default fixpoint-applications).", DefaultValueFactory = _ => "fixpoint-applications" };
        var quick = new Option<bool>("--quick") { Description = "Tiny sizes that finish in seconds (a smoke test; its numbers mean nothing)." };
        var noPlot = new Option<bool>("--no-plot") { Description = "Do not draw the PNG figures." };
        var cmd = new Command("applications", "Train on the shipped digits, count stored attractors and heavy tails, restore damaged images, classify by basin, and measure early exit; writes applications.md with every table.");
        cmd.Options.Add(outDir);
        cmd.Options.Add(quick);
        cmd.Options.Add(noPlot);
        cmd.SetAction(p => RunApplications(p.GetValue(outDir)!, p.GetValue(quick) ? ApplicationsPlan.Quick : ApplicationsPlan.Full, !p.GetValue(noPlot),
            "fixpoint " + string.Join(' ', p.Tokens.Select(t => t.Value)), console, ct));
        return cmd;
    }

    internal static int RunApplications(string dir, ApplicationsPlan plan, bool plot, string command, CliConsole console, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(dir);
        var stages = new List<(string Stage, double Seconds)>();
        DataSource digits = DataSource.ShippedDigits;
        var split = new SplitSpec(plan.TrainCount, plan.TestCount, 0);
        var act = new TanhActivation();
        int[] hidden = TrainCommand.ParseHidden(plan.Hidden);
        TrainOptions Train(double lambda) => new()
        {
            Epochs = plan.Epochs, BatchSize = TrainCommand.DefaultBatch, CosineDecay = true, Seed = 0, JacobianPenalty = lambda,
            Adam = new AdamOptions { LearningRate = TrainCommand.DefaultLearningRate },
        };
        var memory = new MemoryOptions { RandomStarts = plan.CensusStarts, Seed = 0, Certify = plan.Certify };
        var spec = new SquareNetworkSpec(64, hidden, act);

        double t0 = clock.Elapsed.TotalSeconds;
        console.Out.WriteLine("== 1. train with the Jacobian penalty (λ = 0.1)");
        var trained = TrainCommand.Execute(new TrainCommand.Settings(digits, split, spec, Train(TrainCommand.DefaultPenalty), memory, true,
            Path.Combine(dir, "train"), plot, $"{command} [train λ=0.1]"), console, ct);
        if (trained.ExitCode != ExitCodes.Ok) return trained.ExitCode;
        stages.Add(("train (λ = 0.1) and census", clock.Elapsed.TotalSeconds - t0));

        t0 = clock.Elapsed.TotalSeconds;
        console.Out.WriteLine("== 2. train a plain autoencoder (λ = 0), the same otherwise");
        var plain = TrainCommand.Execute(new TrainCommand.Settings(digits, split, spec, Train(0), memory, true,
            Path.Combine(dir, "train-plain"), plot, $"{command} [train λ=0]"), console, ct);
        if (plain.ExitCode != ExitCodes.Ok) return plain.ExitCode;
        stages.Add(("train (λ = 0) and census", clock.Elapsed.TotalSeconds - t0));

        Network net = ModelFile.Load(trained.ModelPath);
        t0 = clock.Elapsed.TotalSeconds;
        console.Out.WriteLine("== 3. restore damaged images");
        var restore = RestoreCommand.Execute(new RestoreCommand.Settings(trained.ModelPath, net, digits, split,
            new RestoreOptions { Images = plan.RestoreImages, Seed = 0 }, plan.CensusStarts, Path.Combine(dir, "restore"), plot, $"{command} [restore]"), console, ct, trained.Memory);
        if (restore.ExitCode != ExitCodes.Ok) return restore.ExitCode;
        stages.Add(("restore", clock.Elapsed.TotalSeconds - t0));

        t0 = clock.Elapsed.TotalSeconds;
        console.Out.WriteLine("== 4. classify by basin");
        var classify = ClassifyCommand.Execute(new ClassifyCommand.Settings(trained.ModelPath, net, digits, split, new ClassifyOptions(),
            Path.Combine(dir, "classify"), plot, $"{command} [classify]"), console, ct);
        if (classify.ExitCode != ExitCodes.Ok) return classify.ExitCode;
        stages.Add(("classify", clock.Elapsed.TotalSeconds - t0));

        t0 = clock.Elapsed.TotalSeconds;
        console.Out.WriteLine("== 5. early exit");
        var exit = EarlyExitCommand.Execute(new EarlyExitCommand.Settings(digits, new SplitSpec(plan.ExitTrainCount, plan.TestCount, 0), ["looped", "deep"],
            plan.ExitHidden, plan.ExitLoops, act,
            new TrainOptions { Epochs = plan.ExitEpochs, BatchSize = 32, CosineDecay = true, Seed = 0, RecordTails = false, Adam = new AdamOptions { LearningRate = 2e-3 } },
            new EarlyExitOptions { Repeats = plan.ExitRepeats }, Path.Combine(dir, "early-exit"), plot, $"{command} [early-exit]"), console, ct);
        if (exit.ExitCode != ExitCodes.Ok) return exit.ExitCode;
        stages.Add(("early exit", clock.Elapsed.TotalSeconds - t0));

        double total = clock.Elapsed.TotalSeconds;
        string md = Markdown(command, plan, trained, plain, restore, classify, exit, stages, total);
        AtomicFile.WriteText(Path.Combine(dir, "applications.md"), md);
        AppJson.Write(Path.Combine(dir, "applications.json"), new
        {
            Format = "fixpoint-reproduce-applications/1",
            FixpointVersion = FixpointCli.Version,
            Command = command,
            Plan = plan,
            Stages = stages.Select(s => new { s.Stage, s.Seconds }),
            TotalSeconds = total,
            Processors = Environment.ProcessorCount,
            Outputs = new[] { "train/", "train-plain/", "restore/", "classify/", "early-exit/", "applications.md" },
        });
        console.Out.WriteLine($"reproduce applications finished in {total:0.0} s on {Environment.ProcessorCount} cores; tables in {Path.Combine(dir, "applications.md")}");
        return ExitCodes.Ok;
    }

    private static string Markdown(string command, ApplicationsPlan plan, TrainCommand.Outcome trained, TrainCommand.Outcome plain,
        RestoreCommand.Outcome restore, ClassifyCommand.Outcome classify, EarlyExitCommand.Outcome exit, List<(string Stage, double Seconds)> stages, double total)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"<!-- generated by `{command}` (fixpoint {FixpointCli.Version}) -->");
        sb.AppendLine();
        sb.AppendLine("### Training and storage");
        sb.AppendLine();
        sb.AppendLine("| | plain (λ = 0) | Jacobian penalty (λ = 0.1) |");
        sb.AppendLine("|---|---|---|");
        EpochRecord a = plain.Training.Final, b = trained.Training.Final;
        MemoryReport pm = plain.Memory!, tm = trained.Memory!;
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
        foreach (string set in restore.Report.Rows.Select(r => r.Set).Distinct())
        {
            sb.AppendLine();
            sb.AppendLine($"{(set == "stored" ? "Stored (training) images" : "Unseen (test) images")}:");
            sb.AppendLine();
            sb.AppendLine("| damage | PSNR damaged | PSNR one pass | PSNR attractor | PSNR nearest training image | MSE damaged | MSE one pass | MSE attractor | MSE nearest | recall | attractor beats one pass |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (RestoreRow r in restore.Report.Rows.Where(r => r.Set == set))
                sb.AppendLine($"| {r.Damage} | {r.Damaged.Psnr:0.00} | {r.OnePass.Psnr:0.00} | {r.Attractor.Psnr:0.00} | {r.Nearest.Psnr:0.00} | {r.Damaged.Mse:0.0000} | {r.OnePass.Mse:0.0000} | {r.Attractor.Mse:0.0000} | {r.Nearest.Mse:0.0000} | {Format.Percent(r.RecallRate)} | {Format.Percent(r.AttractorBetterThanOnePass)} |");
        }
        sb.AppendLine();
        ClassifyReport c = classify.Report;
        sb.AppendLine("### Classification by basin");
        sb.AppendLine();
        sb.AppendLine("| classifier | test accuracy |");
        sb.AppendLine("|---|---|");
        sb.AppendLine($"| basin of attraction ({c.Attractors} attractors labelled by {c.TrainImages} training images; coverage {Format.Percent(c.Coverage)}) | {Format.Percent(c.Accuracy)} |");
        sb.AppendLine($"| 1-nearest neighbour | {Format.Percent(c.OneNnAccuracy)} |");
        sb.AppendLine($"| {c.K}-nearest neighbours | {Format.Percent(c.KnnAccuracy)} |");
        sb.AppendLine();
        foreach (var m in exit.Models)
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
        foreach (var (stage, sec) in stages) sb.AppendLine($"| {stage} | {sec:0.0} |");
        sb.AppendLine($"| total ({Environment.ProcessorCount} cores) | {total:0.0} |");
        return sb.ToString();

        void Row(string label, string x, string y) => sb.AppendLine($"| {label} | {x} | {y} |");
        static string Cert(MemoryReport m) => m.Certificates.Count == 0 ? "none tried" :
            $"{m.Certificates.Count(c => c.Status == "unique")} / {m.Certificates.Count} (box radius {string.Join(", ", m.Certificates.Where(c => c.Status == "unique").Select(c => c.LargestRadius.ToString("0.#e+0", CultureInfo.InvariantCulture)))})";
    }
}
