using System.Diagnostics;
using Fixpoint.Init;

namespace Fixpoint.Cli;

/// <summary>
/// <c>fixpoint spectrum</c>: the spectrum of the input–output Jacobian over realisations of a random network
/// (or of one model), with the free-probability prediction, the eigenvalues of J, and the weights' tails; with
/// <c>--depths</c>, a depth ensemble linking the spectrum to the number of stable fixed points.
/// </summary>
internal static class SpectrumCommand
{
    public const string DefaultOut = "fixpoint-spectrum";
    public const int DefaultBins = 60;
    public const int DefaultStarts = 200;
    public const int MaxDepth = 1000;

    public static Command Create(CliConsole console, CancellationToken ct)
    {
        var net = new NetworkOptions();
        var realisations = new Option<int>("--realisations") { Description = "Random network: realisations K; realisation 0 is --seed's network, the others have derived seeds (default 1).", DefaultValueFactory = _ => 1 };
        var sigmaW2 = new Option<double?>("--sigma-w2") { Description = "Random network: weights gaussian(√σ_w²) with 1/√n scaling, i.e. variance σ_w²/N (instead of --weights and --scaling)." };
        var sigmaB2 = new Option<double?>("--sigma-b2") { Description = "Random network: biases gaussian(σ_b) (instead of --biases); 0 gives zero biases." };
        var inputs = new Option<string>("--inputs") { Description = "Where J is evaluated: gaussian (i.i.d. N(0, 1) entries), fixed-points (every fixed point a census finds), census (every point a census reaches: attracting fixed points and cycle points) (default gaussian).", DefaultValueFactory = _ => "gaussian" };
        var inputsFile = new Option<string>("--inputs-file") { Description = "Evaluate J at the rows of this CSV file instead (the same points for every realisation)." };
        var points = new Option<int>("--points") { Description = "Gaussian inputs: points per realisation (default 1).", DefaultValueFactory = _ => 1 };
        var starts = new Option<int>("--starts") { Description = $"Census inputs and --depths: starts per census (default {DefaultStarts}).", DefaultValueFactory = _ => DefaultStarts };
        var box = new Option<double[]>("--box") { Description = "Census inputs and --depths: start box LO HI (default -1 1).", DefaultValueFactory = _ => [-1.0, 1.0], Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var unstable = new Option<bool>("--unstable") { Description = "Census inputs and --depths: also find unstable fixed points with Newton." };
        var depths = new Option<string>("--depths") { Description = "Depth ensemble: comma-separated depths L (such as 1,2,4,8); per L, --realisations networks and a census each; writes depth.json and depth.png." };
        var bins = new Option<int>("--bins") { Description = $"Histogram bins (default {DefaultBins}).", DefaultValueFactory = _ => DefaultBins };
        var threads = new Option<int>("--threads") { Description = "Worker threads (default: one per core). Results do not depend on it.", DefaultValueFactory = _ => 0 };
        var output = new VerbOutput(DefaultOut, null, "the PNG figures");

        var cmd = new Command("spectrum", "Jacobian spectra of random networks: the ESD of JJᵀ with the free-probability prediction, eigenvalues of J, heavy tails of the weights; with --depths, Q and the spectrum against depth.");
        net.AddTo(cmd);
        foreach (Option o in new Option[] { realisations, sigmaW2, sigmaB2, inputs, inputsFile, points, starts, box, unstable, depths, bins, threads })
            cmd.Options.Add(o);
        output.AddTo(cmd);

        cmd.SetAction(p =>
        {
            var clock = Stopwatch.StartNew();
            // Validate everything before any work or any file is touched.
            int k = p.GetValue(realisations);
            if (k < 1) throw new UsageException($"--realisations must be ≥ 1 (got {k})");
            int pts = p.GetValue(points);
            if (pts < 1) throw new UsageException($"--points must be ≥ 1 (got {pts})");
            int st = p.GetValue(starts);
            if (st < 1) throw new UsageException($"--starts must be ≥ 1 (got {st})");
            double[] b = p.GetValue(box) ?? [-1.0, 1.0];
            if (!b.All(double.IsFinite) || !(b[0] < b[1])) throw new UsageException($"--box {Format.Value(b[0])} {Format.Value(b[1])} is empty: LO must be below HI");
            int nb = p.GetValue(bins);
            if (nb < 1 || nb > 10_000) throw new UsageException($"--bins must be in 1 … 10000 (got {nb})");
            int th = p.GetValue(threads);
            if (th < 0) throw new UsageException($"--threads must be ≥ 0 (got {th})");
            string dir = output.Dir(p);
            bool isModel = p.GetValue(net.Model) is not null, isBuiltIn = p.GetValue(net.Network) is not null;
            bool fixedNetwork = isModel || isBuiltIn;
            double? sw2 = p.GetValue(sigmaW2), sb2 = p.GetValue(sigmaB2);
            if (sw2 is double a && (!(a > 0) || !double.IsFinite(a))) throw new UsageException($"--sigma-w2 must be > 0 (got {Format.Value(a)})");
            if (sb2 is double c && (!(c >= 0) || !double.IsFinite(c))) throw new UsageException($"--sigma-b2 must be ≥ 0 (got {Format.Value(c)})");
            if (fixedNetwork)
            {
                string what = isModel ? "--model" : "--network";
                if (sw2 is not null || sb2 is not null) throw new UsageException($"{(sw2 is not null ? "--sigma-w2" : "--sigma-b2")} applies to random networks only, not with {what}");
                if (k != 1) throw new UsageException($"--realisations applies to random networks only, not with {what}");
            }
            if (sw2 is not null && NetworkOptions.Given(p, net.Weights)) throw new UsageException("--sigma-w2 and --weights cannot be used together");
            if (sw2 is not null && NetworkOptions.Given(p, net.Scaling)) throw new UsageException("--sigma-w2 fixes the scaling to 1/sqrt(n); drop --scaling");
            if (sb2 is not null && NetworkOptions.Given(p, net.Biases)) throw new UsageException("--sigma-b2 and --biases cannot be used together");

            string? file = p.GetValue(inputsFile);
            string inputsName = p.GetValue(inputs)!.Trim().ToLowerInvariant();
            if (file is not null && NetworkOptions.Given(p, inputs)) throw new UsageException("--inputs-file and --inputs cannot be used together");
            SpectrumInputs kind = file is not null ? SpectrumInputs.Given : inputsName switch
            {
                "gaussian" => SpectrumInputs.Gaussian,
                "fixed-points" or "fixedpoints" => SpectrumInputs.FixedPoints,
                "census" => SpectrumInputs.CensusPoints,
                _ => throw new UsageException($"unknown --inputs '{inputsName}'; known: gaussian, fixed-points, census"),
            };
            if (NetworkOptions.Given(p, points) && kind != SpectrumInputs.Gaussian) throw new UsageException("--points applies to --inputs gaussian only");

            string? depthList = p.GetValue(depths);
            int[]? depthValues = depthList is null ? null : ParseDepths(depthList);
            if (depthValues is not null)
            {
                if (fixedNetwork) throw new UsageException($"--depths applies to random networks only, not with {(isModel ? "--model" : "--network")}");
                if (NetworkOptions.Given(p, net.Depth)) throw new UsageException("--depths and --depth cannot be used together");
                if (NetworkOptions.Given(p, inputs) || file is not null || NetworkOptions.Given(p, points))
                    throw new UsageException("--depths runs its own census per network: drop --inputs, --inputs-file and --points");
            }

            var census = new CensusOptions { Unstable = p.GetValue(unstable), Solve = new Solvers.SolveOptions { Threads = th }, SlowModes = -1 };
            var startSpec = new UniformBoxStarts(b[0], b[1]);
            var context = new Dictionary<string, string>
            {
                ["fixpointVersion"] = FixpointCli.Version,
                ["command"] = VerbOutput.CommandLine(p),
            };

            // The network(s).
            RandomNetworkSpec? spec = null;
            Network? fixedNet = null;
            string description;
            if (fixedNetwork)
            {
                (fixedNet, description) = net.Build(p);
                net.Save(p, fixedNet);
            }
            else
            {
                spec = BuildSpec(p, net, sw2, sb2);
                description = Describe(spec);
                if (p.GetValue(net.SaveModel) is not null) net.Save(p, spec.Build());
            }
            if (depthValues is not null) description = description.Replace($" L={spec!.Depth} ", $" L={string.Join(",", depthValues)} ");
            context["network"] = description;

            if (depthValues is not null)
            {
                var dspec = new DepthEnsembleSpec
                {
                    Base = spec!,
                    Depths = depthValues,
                    Realisations = k,
                    Starts = startSpec,
                    StartsPerCensus = st,
                    Census = census,
                };
                Directory.CreateDirectory(dir);
                DepthEnsembleResult dr = ProgressReporter.Run(console, $"depth ensemble of {description}", progress => DepthEnsemble.Run(dspec, progress, ct));
                DepthFile.Write(Path.Combine(dir, "depth.json"), DepthFile.From(dr, context, clock.Elapsed.TotalSeconds));
                if (output.Plot(p) && dr.Rows.Count > 0) SpectrumPlots.DrawDepth(dr, Short(description), Path.Combine(dir, "depth.png"));
                PrintDepth(console, dr, description, k, st, dir, !output.Plot(p));
                return dr.Partial ? ExitCodes.Interrupted : ExitCodes.Ok;
            }

            int n = spec?.Width ?? fixedNet!.Dimension;
            double[]? given = null;
            if (file is not null)
            {
                PointListStarts rows = StartsFile.ReadCsv(file);
                if (rows.Dimension != n) throw new UsageException($"--inputs-file {file} has {rows.Dimension} columns but the network has dimension {n}");
                given = rows.Points;
            }
            var options = new JacobianEnsembleOptions
            {
                Realisations = k,
                Inputs = kind,
                PointsPerRealisation = pts,
                GivenPoints = given,
                Starts = startSpec,
                StartsPerCensus = st,
                Census = census,
                Threads = th,
            };
            ulong seed = p.GetValue(net.Seed);
            Directory.CreateDirectory(dir);
            JacobianEnsembleResult ens = ProgressReporter.Run(console, $"spectrum of {description}", progress =>
                spec is not null ? JacobianSpectra.Run(spec, options, progress, ct) : JacobianSpectra.Run(fixedNet!, seed, options, progress, ct));
            if (ens.Samples.Count == 0)
            {
                if (ens.Partial) { console.Error.WriteLine("interrupted before any Jacobian was measured; nothing written"); return ExitCodes.Interrupted; }
                throw new UsageException(kind == SpectrumInputs.FixedPoints || kind == SpectrumInputs.CensusPoints
                    ? "the census found no points to evaluate J at (every start diverged or hit the iteration limit)"
                    : "no Jacobian was measured");
            }

            // The prediction, where it applies.
            JacobianSpectrumTheory? theory = null;
            string? reason;
            if (spec is null) reason = isModel ? "a model file: the law of its weights is unknown" : "a built-in network is not random";
            else if (kind is SpectrumInputs.FixedPoints or SpectrumInputs.CensusPoints)
                reason = "at fixed points and census points x depends on the weights; the prediction is for inputs independent of them";
            else theory = JacobianSpectrumTheory.ForSpec(spec with { Seed = seed }, ens.InputMeanSquare, out reason);

            // The weights: per layer for realisation 0, pooled over realisations up to MaxPooledLayers matrices.
            Network first = fixedNet ?? spec!.Build();
            WeightLaw? law = spec?.Weights;
            IReadOnlyList<LayerTail> tails = WeightTails.Analyse(first, law);
            var pooled = new List<DenseLayer>(first.Layers);
            for (int r = 1; spec is not null && r < ens.Realisations.Count && pooled.Count + first.Layers.Count <= SpectrumAnalysis.MaxPooledLayers; r++)
                pooled.AddRange((spec with { Seed = JacobianSpectra.RealisationSeed(spec.Seed, r) }).Build().Layers);
            // Not cancellable: after Ctrl-C the realisations already measured are still analysed and written (seconds).
            SpectrumAnalysis analysis = SpectrumAnalysis.Create(ens, theory, reason, tails, pooled, law, nb);

            SpectrumFile.Write(Path.Combine(dir, "spectrum.json"), SpectrumFile.From(analysis, context, seed, k, law?.Name, clock.Elapsed.TotalSeconds));
            string title = Short(description);
            string info = $"{ens.Realisations.Count} realisation{(ens.Realisations.Count == 1 ? "" : "s")}, inputs {SpectrumFile.InputsKey(kind)}";
            var written = new List<string> { "spectrum.json" };
            if (output.Plot(p))
            {
                SpectrumPlots.DrawEsd(analysis, title, info, Path.Combine(dir, "esd.png"));
                SpectrumPlots.DrawEsdLog(analysis, title, info, Path.Combine(dir, "esd_log.png"));
                SpectrumPlots.DrawEigenvalues(analysis, title, info, Path.Combine(dir, "eigenvalues.png"));
                SpectrumPlots.DrawHill(analysis, title, Path.Combine(dir, "hill.png"));
                SpectrumPlots.DrawPowerLaw(analysis, title, Path.Combine(dir, "powerlaw.png"));
                written.AddRange(["esd.png", "esd_log.png", "eigenvalues.png", "hill.png", "powerlaw.png"]);
            }
            Print(console, analysis, description, dir, written);
            return ens.Partial ? ExitCodes.Interrupted : ExitCodes.Ok;
        });
        return cmd;
    }

    private static RandomNetworkSpec BuildSpec(ParseResult p, NetworkOptions net, double? sw2, double? sb2)
    {
        if (NetworkOptions.Given(p, net.Dim) || NetworkOptions.Given(p, net.M))
            throw new UsageException($"{(NetworkOptions.Given(p, net.Dim) ? "--dim" : "--m")} applies to --network only");
        int width = p.GetValue(net.Width), depth = p.GetValue(net.Depth);
        if (width < 1) throw new UsageException($"--width must be ≥ 1 (got {width})");
        if (depth < 1 || depth > MaxDepth) throw new UsageException($"--depth must be in 1 … {MaxDepth} (got {depth})");
        Activation act = Parse("--activation", () => Activation.Parse(p.GetValue(net.Activation)!));
        WeightLaw weights = sw2 is double w ? new GaussianLaw(Math.Sqrt(w)) : Parse("--weights", () => WeightLaw.Parse(p.GetValue(net.Weights)!));
        WeightLaw biases = sb2 is double bv ? (bv == 0 ? new ConstantLaw(0) : new GaussianLaw(Math.Sqrt(bv))) : Parse("--biases", () => WeightLaw.Parse(p.GetValue(net.Biases)!));
        ScaleConvention scaling = sw2 is not null ? ScaleConvention.InverseSqrtN : Parse("--scaling", () => ScaleConventions.Parse(p.GetValue(net.Scaling)!));
        return new RandomNetworkSpec(width, depth, act, weights, biases, scaling, p.GetValue(net.Tied), p.GetValue(net.Residual), p.GetValue(net.Seed));
    }

    private static T Parse<T>(string option, Func<T> parse)
    {
        try { return parse(); }
        catch (FormatException e) { throw new UsageException($"{option}: {e.Message}"); }
    }

    internal static int[] ParseDepths(string text)
    {
        var list = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int d) || d < 1 || d > MaxDepth)
                throw new UsageException($"--depths: '{part}' is not a depth in 1 … {MaxDepth}");
            if (list.Contains(d)) throw new UsageException($"--depths: {d} is listed twice");
            list.Add(d);
        }
        return [.. list.Order()];
    }

    private static string Describe(RandomNetworkSpec s) =>
        $"random N={s.Width} L={s.Depth} {s.Activation.Name} weights {s.Weights.Name} biases {s.Biases.Name} scaling {s.Scaling.Name()}{(s.Tied ? " tied" : "")}{(s.Residual ? " residual" : "")} seed {s.Seed}";

    /// <summary>The description for figure titles: without the seed, numbers to 4 significant digits.</summary>
    private static string Short(string description)
    {
        int i = description.LastIndexOf(" seed ", StringComparison.Ordinal);
        string s = i > 0 ? description[..i] : description;
        s = s.Replace("random ", "").Replace(" scaling ", ", scaling ").Replace(" weights ", ", W ~ ").Replace(" biases ", ", b ~ ");
        return System.Text.RegularExpressions.Regex.Replace(s, @"\d+\.\d{5,}", m =>
            double.Parse(m.Value, CultureInfo.InvariantCulture).ToString("G4", CultureInfo.InvariantCulture));
    }

    private static void Print(CliConsole console, SpectrumAnalysis a, string description, string dir, List<string> written)
    {
        TextWriter o = console.Out;
        JacobianEnsembleResult e = a.Ensemble;
        EsdSummary s = a.Summary;
        o.WriteLine($"network: {description}");
        o.WriteLine($"realisations: {e.Realisations.Count}, inputs {SpectrumFile.InputsKey(e.Inputs)}, Jacobians {e.Samples.Count}{(e.Partial ? "  [PARTIAL: interrupted]" : "")}");
        if (e.Realisations.Any(r => r.Q is not null))
            o.WriteLine($"censuses: Q per realisation {string.Join(" ", e.Realisations.Select(r => r.Q))}; fixed points {e.Realisations.Sum(r => r.FixedPoints ?? 0)}, cycles {e.Realisations.Sum(r => r.Cycles ?? 0)}");
        o.WriteLine($"squared singular values of J: {s.Count} values, mean {Format.Compact(s.Mean)}, variance {Format.Compact(s.Variance)}, median {Format.Compact(s.Median)}, max {Format.Compact(s.Max)}, fraction > 1 {Format.Compact(s.FractionAboveOne)}, mean log10 {Format.Compact(s.MeanLog10)}");
        if (a.Theory is JacobianSpectrumTheory t)
            o.WriteLine($"prediction (free probability, N → ∞; σ_w² {Format.Compact(t.SigmaW2)}, σ_b² {Format.Compact(t.SigmaB2)}, q_x {Format.Compact(t.InputMeanSquare)}): mean {Format.Compact(t.Mean)}, variance {Format.Compact(t.Variance)}; measured − predicted: mean {Format.SignedPercent(a.MeanRelativeError)}, variance {Format.SignedPercent(a.VarianceRelativeError)}");
        else o.WriteLine($"prediction: not applicable ({a.TheoryReason})");
        double[] radii = e.Samples.Select(x => x.SpectralRadius).Where(double.IsFinite).ToArray();
        if (radii.Length > 0)
            o.WriteLine($"eigenvalues of J: mean spectral radius {Format.Compact(radii.Average())}, max {Format.Compact(radii.Max())}, {Format.Compact(100 * a.FractionOutsideUnitCircle)}% outside the unit circle");
        o.WriteLine("weights, per layer (realisation 0):");
        o.WriteLine($"  {"layer",5}  {"Hill α",8}  {"k",6}  {"ESD α",8}  {"xmin",10}  {"KS",6}  {"tail",5}  verdict");
        foreach (LayerTail l in a.LayerTails)
            o.WriteLine($"  {l.Layer,5}  {Format.Compact(l.Hill?.Index ?? double.NaN),8}  {l.Hill?.K ?? 0,6}  {Format.Compact(l.PowerLaw?.Alpha ?? double.NaN),8}  {Format.Compact(l.PowerLaw?.Xmin ?? double.NaN),10}  {Format.Compact(l.PowerLaw?.KsDistance ?? double.NaN),6}  {l.PowerLaw?.NTail ?? 0,5}  {(l.Verdict is null ? "" : SpectrumFile.ClassKey(l.Verdict.Class))}{(l.Warning is null ? "" : "  warning: " + l.Warning)}");
        if (a.PooledTails is PooledWeightTails pt)
        {
            o.WriteLine($"weights, pooled over {pt.Layers} matrices: {pt.Verdict?.Text ?? pt.Warning}");
            if (pt.PowerLaw is PowerLawFit f)
                o.WriteLine($"  ESD of WᵀW: power law α {Format.Compact(f.Alpha)} above xmin {Format.Compact(f.Xmin)} ({f.NTail} of {f.N} eigenvalues, KS {Format.Compact(f.KsDistance)})");
        }
        o.WriteLine($"wrote {string.Join(", ", written.Select(w => Path.Combine(dir, w)))}");
    }

    private static void PrintDepth(CliConsole console, DepthEnsembleResult r, string description, int k, int starts, string dir, bool noPlot)
    {
        TextWriter o = console.Out;
        o.WriteLine($"depth ensemble: {description}; {k} realisations per depth, {starts} starts per census{(r.Partial ? "  [PARTIAL: interrupted]" : "")}");
        o.WriteLine($"  {"L",4}  {"mean Q",7}  {"± se",6}  {"Q per realisation",-20}  {"fixed",6}  {"cycles",6}  {"cyc.basin",9}  {"unres.",6}  {"ρ stable",8}  {"s²>1 @fp",8}  {"s²>1 @starts",12}  {"log10 s² @starts",16}");
        foreach (DepthRow row in r.Rows)
            o.WriteLine($"  {row.Depth,4}  {Format.Compact(row.MeanQ),7}  {Format.Compact(row.QStdError),6}  {string.Join(" ", row.QValues),-20}  {Format.Compact(row.MeanFixedPoints),6}  {Format.Compact(row.MeanCycles),6}  {Format.Compact(row.CycleBasin),9}  {Format.Compact(row.UnresolvedBasin),6}  {Format.Compact(row.MeanSpectralRadiusStable),8}  {Format.Compact(row.FractionAboveOneAtFixedPoints),8}  {Format.Compact(row.FractionAboveOneAtProbes),12}  {Format.Compact(row.MeanLog10AtProbes),16}");
        o.WriteLine($"wrote {Path.Combine(dir, "depth.json")}{(noPlot ? "" : ", " + Path.Combine(dir, "depth.png"))}");
    }



}
