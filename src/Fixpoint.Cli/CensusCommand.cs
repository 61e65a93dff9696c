namespace Fixpoint.Cli;

/// <summary><c>fixpoint census</c>: every fixed point and cycle reachable from many starts, with stability and basins.</summary>
internal static class CensusCommand
{
    public const int DefaultStarts = 1000;
    public const string DefaultOut = "fixpoint-census";
    public const string StartsFileName = "starts.csv";
    public const string JacobiansFileName = "jacobians.safetensors";
    public const string TrajectoriesFileName = "trajectories.safetensors";
    public const int DefaultTrajectorySteps = 100;

    public static Command Create(CliConsole console, CancellationToken ct)
    {
        var net = new NetworkOptions();
        var held = new HeldInputOptions();
        var starts = new Option<int>("--starts") { Description = $"Number of starts (default {DefaultStarts}).", DefaultValueFactory = _ => DefaultStarts };
        var box = new Option<double[]>("--box") { Description = "Start box LO HI, the same in every coordinate (default -1 1).", DefaultValueFactory = _ => [-1.0, 1.0], Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var startLaw = new Option<string>("--start-law") { Description = "uniform (in --box), gaussian (--start-mean, --start-std) or grid (over --box; for N ≤ 3).", DefaultValueFactory = _ => "uniform" };
        var startMean = new Option<double>("--start-mean") { Description = "Gaussian starts: mean of every coordinate (default 0).", DefaultValueFactory = _ => 0.0 };
        var startStd = new Option<double>("--start-std") { Description = "Gaussian starts: standard deviation (default 1).", DefaultValueFactory = _ => 1.0 };
        var startsFile = new Option<string>("--starts-file") { Description = "Start from the rows of this CSV file (one point per row)." };
        var startsDataset = new Option<string>("--starts-dataset") { Description = "Start from the examples of a data set: 'digits' (the shipped 8×8 digits, pixels scaled to [−1, 1]), a digits-format CSV, or MNIST-style IDX images (*idx3-ubyte[.gz])." };
        var solver = new SolverOptions($"Solver: {SolverSpec.NameList} (default picard: the map's own dynamics, so basins are the map's).");
        var atol = new Option<double>("--atol") { Description = $"Converged when ‖F(x) − x‖∞ ≤ atol + rtol·‖x‖∞ (default {SolveOptions.DefaultAtol}).", DefaultValueFactory = _ => SolveOptions.DefaultAtol };
        var rtol = new Option<double>("--rtol") { Description = $"See --atol (default {SolveOptions.DefaultRtol}).", DefaultValueFactory = _ => SolveOptions.DefaultRtol };
        var maxIter = new Option<int>("--max-iter") { Description = $"Iterations per start (default {SolveOptions.DefaultMaxIterations}).", DefaultValueFactory = _ => SolveOptions.DefaultMaxIterations };
        var maxPeriod = new Option<int>("--max-period") { Description = $"Longest cycle period detected (default {SolveOptions.DefaultMaxPeriod}; 1 turns detection off).", DefaultValueFactory = _ => SolveOptions.DefaultMaxPeriod };
        var divergence = new Option<double>("--divergence-bound") { Description = $"‖x‖∞ above this is divergence (default {SolveOptions.DefaultDivergenceBound:g}).", DefaultValueFactory = _ => SolveOptions.DefaultDivergenceBound };
        var uniqueTol = new Option<double>("--unique-tol") { Description = $"Two points are one fixed point when their ∞-norm distance is ≤ this (default {CensusOptions.DefaultUniqueTol}).", DefaultValueFactory = _ => CensusOptions.DefaultUniqueTol };
        var polishTol = new Option<double>("--polish-tol") { Description = $"Newton polishes each fixed point to ‖F(x) − x‖∞ ≤ this (default {CensusOptions.DefaultPolishTol}).", DefaultValueFactory = _ => CensusOptions.DefaultPolishTol };
        var margin = new Option<double>("--margin") { Description = $"Stable when ρ < 1 − margin, unstable when ρ > 1 + margin, else marginal (default {CensusOptions.DefaultStabilityMargin}).", DefaultValueFactory = _ => CensusOptions.DefaultStabilityMargin };
        var unstable = new Option<bool>("--unstable") { Description = "Also run Newton from every start to find unstable fixed points (saddles, repellers)." };
        var newtonMethod = new Option<string>("--newton") { Description = $"Newton of polishing and --unstable: dense (LU), krylov (GMRES on J·v) or auto (krylov from N = {CensusNewton.KrylovThreshold}; default).", DefaultValueFactory = _ => "auto" };
        var unstableStarts = new Option<int>("--unstable-starts") { Description = "The unstable pass runs Newton from the first K starts only (default 0: all).", DefaultValueFactory = _ => 0 };
        var deflate = new Option<bool>("--deflate") { Description = $"After the other passes, deflated Newton (Farrell et al. 2015) from the first --deflate-starts starts: each start again with every point found so far deflated, for more unstable points (docs/census.md)." };
        var deflateStarts = new Option<int>("--deflate-starts") { Description = $"Starts that --deflate runs from (default {CensusOptions.DefaultDeflateStarts}).", DefaultValueFactory = _ => CensusOptions.DefaultDeflateStarts };
        var eigen = new Option<string>("--eigen") { Description = $"Eigenvalues of J at each fixed point: dense (all, O(N³)), krylov (Krylov–Schur on J·v: those with |λ| ≥ 0.95 and the leading few) or auto (krylov from N = {FixedPointStability.KrylovFromDimension}; default).", DefaultValueFactory = _ => "auto" };
        var assign = new Option<string>("--assign")
        {
            Description = "Early assignment (Picard): a start that enters a proved ball of attraction of a fixed point ends there, converged to it (see docs/census.md). "
                + $"auto (default): where the proofs pay, with more starts than the pilot and at least {Fixpoint.Census.EarlyAssignmentOptions.CheapStartsPerDimension}·N starts a ball "
                + $"for the Euclidean ball of undamped Picard ({Fixpoint.Census.EarlyAssignmentOptions.AutomaticStartsPerDimension}·N for the eigenbasis ball); on (also a bare --assign); off.",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => "auto",
        };
        var slowModes = new Option<int>("--slow-modes") { Description = $"Each fixed point's modes in census.json list every unstable mode (|λ| > 1) and this many of the slowest stable ones (default {FixedPointModes.DefaultSlow}).", DefaultValueFactory = _ => FixedPointModes.DefaultSlow };
        var noModes = new Option<bool>("--no-modes") { Description = "Leave the modes (eigenvalues with unit eigenvectors) out of census.json." };
        var saveJacobians = new Option<bool>("--save-jacobians") { Description = $"Write J at every fixed point (and ∂F/∂u for held inputs) to {JacobiansFileName}." };
        var trajectories = new Option<int>("--trajectories") { Description = $"Write the orbits x_{{t+1}} = F(x_t) of the first K starts to {TrajectoriesFileName} (key 'trajectories', [K, T+1, N]).", DefaultValueFactory = _ => 0 };
        var trajectorySteps = new Option<int>("--trajectory-steps") { Description = $"Steps T of each orbit --trajectories writes (default {DefaultTrajectorySteps}).", DefaultValueFactory = _ => DefaultTrajectorySteps };
        var slowPoints = new Option<bool>("--slow-points") { Description = "Also minimise q(x) = ½‖F(x) − x‖² from the starts (trust-region Newton) and report its local minima that are not fixed points (slowPoints in census.json)." };
        var slowPointStarts = new Option<int>("--slow-point-starts") { Description = $"The slow-point search runs from the first K starts (default {SlowPointOptions.DefaultStarts}; 0: all).", DefaultValueFactory = _ => SlowPointOptions.DefaultStarts };
        var threads = new Option<int>("--threads") { Description = "Worker threads (default: one per core). Results do not depend on it.", DefaultValueFactory = _ => 0 };
        var project = new Option<string>("--project") { Description = $"The axes of census.png: {CensusProjection.Known}; pca3 draws the three planes of PC1–PC3 (default pca: the coordinates when N ≤ 2).", DefaultValueFactory = _ => "pca" };
        var output = new VerbOutput(DefaultOut, "census.json, fixed_points.csv, starts.csv, census.png, eigenvalues.png and basins.png (and network.safetensors, jacobians.safetensors, trajectories.safetensors)", "census.png, eigenvalues.png and basins.png");

        var cmd = new Command("census", "Find the fixed points and cycles of a network from many starts: stability, basins, and how many were missed.");
        net.AddTo(cmd);
        held.AddTo(cmd);
        foreach (Option o in new Option[] { starts, box, startLaw, startMean, startStd, startsFile, startsDataset })
            cmd.Options.Add(o);
        solver.AddTo(cmd);
        foreach (Option o in new Option[] { atol, rtol, maxIter, maxPeriod, divergence, uniqueTol, polishTol, margin, unstable, unstableStarts, deflate, deflateStarts, eigen, assign, newtonMethod, slowModes, noModes, saveJacobians, trajectories, trajectorySteps, slowPoints, slowPointStarts, threads, project })
            cmd.Options.Add(o);
        output.AddTo(cmd);

        cmd.SetAction(p =>
        {
            // Validate everything before any work or any file is touched.
            int k = p.GetValue(starts);
            if (k < 1) throw new UsageException($"--starts must be ≥ 1 (got {k})");
            double[] b = p.GetValue(box) ?? [-1.0, 1.0];
            InputLimits.CheckBox("--box", b[0], b[1]);
            // The option records check the ranges; a refused value comes back as one line under its option's name.
            SolverSpec solverSpec = solver.Spec(p);
            EigenMethod eigenMethod = FixedPointStability.ParseMethod(p.GetValue(eigen))
                ?? throw new UsageException($"unknown --eigen '{p.GetValue(eigen)}'; known: {FixedPointStability.MethodNames}");
            CensusOptions options = OptionErrors.Build(() => new CensusOptions
            {
                Solver = solverSpec.Build(),
                Solve = new SolveOptions
                {
                    Atol = p.GetValue(atol), Rtol = p.GetValue(rtol), MaxIterations = p.GetValue(maxIter), MaxPeriod = p.GetValue(maxPeriod),
                    DivergenceBound = p.GetValue(divergence), Threads = p.GetValue(threads),
                },
                UniqueTol = p.GetValue(uniqueTol),
                PolishTol = p.GetValue(polishTol),
                StabilityMargin = p.GetValue(margin),
                Unstable = p.GetValue(unstable),
                UnstableStarts = p.GetValue(unstableStarts),
                DeflateStarts = p.GetValue(deflate) ? p.GetValue(deflateStarts) : 0,
                Eigen = eigenMethod,
                // A bare --assign means on; the parser hands an option given without its argument the default.
                EarlyAssignment = (p.GetResult(assign) is { Implicit: false, Tokens.Count: 0 } ? "on" : p.GetValue(assign)) switch
                {
                    "auto" => new EarlyAssignmentOptions(new Certify.ContractionBallProver()) { Automatic = true },
                    "on" => new EarlyAssignmentOptions(new Certify.ContractionBallProver()),
                    "off" => null,
                    string v => throw new UsageException($"--assign takes auto, on or off (got '{v}')"),
                    null => throw new UsageException("--assign takes auto, on or off"),
                },
                Newton = CensusNewton.Parse(p.GetValue(newtonMethod)!) ?? throw new UsageException($"unknown --newton '{p.GetValue(newtonMethod)}'; known: {CensusNewton.NameList}"),
            }, CensusOptionNames.All);
            int slow = p.GetValue(slowModes);
            if (slow < 0) throw new UsageException($"--slow-modes must be ≥ 0 (got {slow})");
            if (p.GetValue(noModes) && NetworkOptions.Given(p, slowModes)) throw new UsageException("--slow-modes and --no-modes cannot be used together");
            int slowStarts = p.GetValue(slowPointStarts);
            if (slowStarts < 0) throw new UsageException($"--slow-point-starts must be ≥ 0 (got {slowStarts})");
            if (NetworkOptions.Given(p, slowPointStarts) && !p.GetValue(slowPoints)) throw new UsageException("--slow-point-starts needs --slow-points");
            options = options with
            {
                SlowModes = p.GetValue(noModes) ? -1 : slow,
                SlowPoints = p.GetValue(slowPoints) ? new SlowPointOptions { Starts = slowStarts } : null,
            };
            int trajectoryCount = p.GetValue(trajectories), steps = p.GetValue(trajectorySteps);
            if (trajectoryCount < 0) throw new UsageException($"--trajectories must be ≥ 0 (got {trajectoryCount})");
            if (steps < 0) throw new UsageException($"--trajectory-steps must be ≥ 0 (got {steps})");
            if (NetworkOptions.Given(p, trajectorySteps) && trajectoryCount == 0) throw new UsageException("--trajectory-steps needs --trajectories");
            try { options.Solve.Validate(); }
            catch (ArgumentException) { throw new UsageException("--atol and --rtol are both 0: nothing could converge"); }
            if (options.UnstableStarts > 0 && !options.Unstable) throw new UsageException("--unstable-starts needs --unstable");
            if (NetworkOptions.Given(p, deflateStarts) && !p.GetValue(deflate)) throw new UsageException("--deflate-starts needs --deflate");
            string lawName = p.GetValue(startLaw)!.Trim().ToLowerInvariant();
            string? file = p.GetValue(startsFile);
            string? dataset = p.GetValue(startsDataset);
            if (file is not null && NetworkOptions.Given(p, startLaw)) throw new UsageException("--starts-file and --start-law cannot be used together");
            if (dataset is not null && (file is not null || NetworkOptions.Given(p, startLaw))) throw new UsageException("--starts-dataset cannot be used with --starts-file or --start-law");
            StartSpec spec = dataset is not null ? DatasetStarts(dataset) : file is not null ? StartsFile.ReadCsv(file) : lawName switch
            {
                "uniform" => new UniformBoxStarts(b[0], b[1]),
                "grid" => new GridStarts(b[0], b[1]),
                "gaussian" => ValidGaussian(p.GetValue(startMean), p.GetValue(startStd)),
                _ => throw new UsageException($"unknown --start-law '{lawName}'; known: uniform, gaussian, grid"),
            };
            string dir = output.Dir(p);
            CensusProjection projection = CensusProjection.Parse(p.GetValue(project));

            using LoadedModel loaded = held.Load(p, net);
            if (loaded.Summary is not null) foreach (string line in loaded.Summary.Lines()) console.Error.WriteLine(line);
            bool partial = false;
            foreach (HeldCondition condition in loaded.Conditions)
            {
                // One census per condition: in DIR itself when there is one, else in DIR/condition-K (docs/census.md).
                string conditionDir = loaded.Conditions.Count == 1 ? dir : Path.Combine(dir, $"condition-{condition.Index}");
                partial |= RunOne(condition, conditionDir);
                if (ct.IsCancellationRequested) break;
            }
            return partial ? ExitCodes.Interrupted : ExitCodes.Ok;

            bool RunOne(HeldCondition condition, string dir)
            {
                IMap network = loaded.Model.Bind(condition.Values);
                string description = loaded.Model.HeldInputs.Count == 0 ? loaded.Description
                    : $"{loaded.Description}, {string.Join(", ", loaded.Model.HeldInputs.Select((h, k) => $"{h.Name}={string.Join(",", condition.Values[k].Select(Format.Value))}"))}";
                if (network is Network built) net.Save(p, built);
                if (network is OnnxMap { IsFloat32: true } || loaded.Model is OnnxRuntimeModel { IsFloat32: true })
                {
                    var chosen = new HashSet<string>();
                    if (NetworkOptions.Given(p, atol)) chosen.Add(nameof(SolveOptions.Atol));
                    if (NetworkOptions.Given(p, polishTol)) chosen.Add(nameof(CensusOptions.PolishTol));
                    if (NetworkOptions.Given(p, uniqueTol)) chosen.Add(nameof(CensusOptions.UniqueTol));
                    options = Float32(console, options, chosen);
                }
                if (spec is PointListStarts pls && pls.Dimension != network.Dimension)
                    throw new UsageException($"{(dataset is not null ? "--starts-dataset " + dataset : "--starts-file " + file)} has {pls.Dimension} columns but the network has dimension {network.Dimension}");
                if (spec is GridStarts) _ = spec.Count(network.Dimension, k);
                InputLimits.CheckCensus(p, spec.Count(network.Dimension, k), network.Dimension, options.Solve.Threads);
                projection.Check(network.Dimension);
                if (options.SlowPoints is not null && network.Dimension > SlowPointOptions.MaxDimension)
                    throw new UsageException($"--slow-points forms a dense Hessian (2N + 1 Jacobians a step) and takes N ≤ {SlowPointOptions.MaxDimension}; this network has N = {network.Dimension}");
                int startCount = spec.Count(network.Dimension, k);
                if (trajectoryCount > startCount) throw new UsageException($"--trajectories {trajectoryCount} is more than the {startCount} starts");
                if ((long)trajectoryCount * (steps + 1) * network.Dimension > CensusMemory.MaxValues)
                    throw new UsageException($"--trajectories {trajectoryCount} --trajectory-steps {steps} at N = {network.Dimension} is more values than one array holds");

                // starts.csv is the census's own output: a --starts-file of that name in --out would be replaced by it.
                if (file is not null && string.Equals(Path.GetFullPath(file), Path.GetFullPath(Path.Combine(dir, StartsFileName)), StringComparison.Ordinal))
                    throw new UsageException($"--starts-file {file} is where the census writes its {StartsFileName} (--out {dir}); copy it elsewhere or choose another --out");
                // Every file goes to a staging folder swapped in at the end: a failure leaves the earlier run's files as they were.
                using var run = RunFolder.Begin(dir, CensusPlot.FileName, CensusFigures.EigenvaluesFile, CensusFigures.BasinsFile, "census.json", "fixed_points.csv", StartsFileName, JacobiansFileName, TrajectoriesFileName, CertifyCommand.NetworkFileName);
                // The network beside its census makes the folder self-contained (`fixpoint certify --around DIR/census.json`
                // reads it). It is known before the census, so it is written while the census runs (134 MB at N = 2048).
                Task savedNetwork = network is Network exact ? Task.Run(() => ModelFile.Save(exact, run.File(CertifyCommand.NetworkFileName))) : Task.CompletedTask;
                try
                {
                    // The pictures are drawn before census.json is written, so the file records the plots' seconds too.
                    double[]? orbits = null;
                    // The first plot and the first census.json of a process load fonts and build serialiser metadata; a second
                    // core does both while the census runs, so that the plot and the write afterwards start warm.
                    bool plot = output.Plot(p);
                    Task prepared = Task.Run(() =>
                    {
                        CensusFile.PrepareWriter();
                        if (plot) CensusPlot.WarmUp();
                    });
                    CensusResult result = ProgressReporter.Run(console, $"census of {description}", progress =>
                    {
                        CensusResult r = FixedPointCensus.Run(network, spec, k, p.GetValue(net.Seed), options, progress, ct);
                        if (trajectoryCount > 0 && !r.Partial) orbits = Trajectories.Iterate(network, r.StartPoints, trajectoryCount, steps, ct);
                        if (plot) prepared.GetAwaiter().GetResult();
                        return plot ? CensusPlot.DrawAll(r, projection, run, progress, Overlays(r, orbits, trajectoryCount, steps, network.Dimension)) : r;
                    });

                    prepared.GetAwaiter().GetResult();
                    var context = new Dictionary<string, string>
                    {
                        ["fixpointVersion"] = FixpointCli.Version,
                        ["command"] = VerbOutput.CommandLine(p),
                        ["network"] = description,
                        ["jacobian"] = network.HasExactJacobian ? "exact" : "estimated",
                    };
                    ModelSummary? model = loaded.Summary is { } summary && summary.HeldInputs.Count > 0
                        ? summary with { HeldInputs = [.. summary.HeldInputs.Select((h, k) => h with { Values = condition.Values[k] })] }
                        : loaded.Summary;
                    CensusFile.Write(run.File("census.json"), HeldInputCensus.Annotate(CensusFile.From(result, context) with { Model = model }, loaded, condition));
                    CensusFile.WriteCsv(result, run.File("fixed_points.csv"));
                    CensusFile.WriteStartsCsv(result, run.File(StartsFileName));
                    if (p.GetValue(saveJacobians)) CensusArrays.WriteJacobians(run.File(JacobiansFileName), result, network, loaded.Model, condition);
                    if (trajectoryCount > 0)
                        CensusArrays.WriteTrajectories(run.File(TrajectoriesFileName), orbits ?? Trajectories.Iterate(network, result.StartPoints, trajectoryCount, steps, ct), trajectoryCount, steps, network.Dimension);
                    savedNetwork.GetAwaiter().GetResult();
                    run.Commit();
                    CensusReport.Print(console, result, description, dir);
                    if (IterationLimitNote(result, options) is string note) console.Error.WriteLine(note);
                    return result.Partial;
                }
                finally
                {
                    // Whatever failed, the staging folder is removed only after the writer has let go of it.
                    try { savedNetwork.Wait(); } catch (AggregateException) { }
                }
            }
        });
        return cmd;
    }

    /// <summary>
    /// What census.png draws over the census: the recorded trajectories (the first K starts, T + 1 states each, from
    /// <paramref name="orbits"/> laid out [K, T + 1, N]) and a segment along every unstable real mode of every fixed point.
    /// </summary>
    private static CensusOverlays Overlays(CensusResult r, double[]? orbits, int count, int steps, int n)
    {
        var trajectories = new List<double[][]>();
        if (orbits is not null)
            for (int t = 0; t < count; t++)
                trajectories.Add([.. Enumerable.Range(0, steps + 1).Select(s => orbits.AsSpan((t * (steps + 1) + s) * n, n).ToArray())]);
        var modes = r.FixedPoints
            .SelectMany(f => (f.Modes ?? []).Where(m => m.Kind == ModeKind.Unstable).Select(m => new ModeSegment(f.X, m.Vector)))
            .ToList();
        return new CensusOverlays(trajectories, modes);
    }

    /// <summary>The float32 tolerances (<see cref="Float32Tolerances"/>) for the options not given, with a note saying which.</summary>
    private static CensusOptions Float32(CliConsole console, CensusOptions options, IReadOnlySet<string> given)
    {
        (CensusOptions changed, var names) = Float32Tolerances.Apply(options, given);
        if (names.Count > 0) console.Error.WriteLine($"note: the model computes in float32; using {string.Join(" ", names.Select(n => $"{n.Name.Cli} {Format.Value(n.Value)}"))} (give them to override)");
        return changed;
    }

    /// <summary>
    /// The one line that says what to do when most starts (more than half of those that finished) ended at the iteration
    /// limit: the attractors are slow (ρ near 1) or the orbits long, and the census has not seen where they go.
    /// </summary>
    internal static string? IterationLimitNote(CensusResult r, CensusOptions o)
    {
        long limited = r.Outcomes.MaxIterations;
        if (limited * 2 <= Math.Max(r.Starts, 1)) return null;
        return $"note: {limited} of {r.Starts} starts ended at the iteration limit (--max-iter {o.Solve.MaxIterations}), typical of attractors with ρ near 1; " +
            $"raise --max-iter, try --solver anderson, or add --unstable (Newton from every start)";
    }

    /// <summary>The examples of a data set as starts: every row, in file order.</summary>
    private static PointListStarts DatasetStarts(string nameOrPath)
    {
        Training.Dataset d = Training.DataReaders.ReadExamples(nameOrPath);
        return new PointListStarts(d.Source, d.Features, d.Dimension);
    }

    private static GaussianStarts ValidGaussian(double mean, double std)
    {
        if (!double.IsFinite(mean)) throw new UsageException($"--start-mean must be finite (got {Format.Value(mean)})");
        if (!(std > 0) || !double.IsFinite(std)) throw new UsageException($"--start-std must be > 0 (got {Format.Value(std)})");
        return new GaussianStarts(mean, std);
    }

}
