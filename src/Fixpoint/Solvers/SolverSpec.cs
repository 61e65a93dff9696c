namespace Fixpoint.Solvers;

/// <summary>An option of one solver: its outside names (<see cref="Name"/>) and the solver it belongs to.</summary>
public sealed record SolverOption(string Solver, OptionName Name, bool IsInteger, string Help)
{
    /// <summary>The option's key, as <see cref="SolverSpec.Create(string, IEnumerable{KeyValuePair{string, double}})"/> takes it: the sweep spec's spelling (<c>maxBacktracks</c>).</summary>
    public string Key => Name.SpecKey;
}

/// <summary>A solver spec that cannot be built: <see cref="Option"/> names the option at fault (null: the solver name), <see cref="Reason"/> says why.</summary>
public sealed class SolverSpecException(SolverOption? option, string reason)
    : Exception(option is null ? reason : $"{option.Key}: {reason}")
{
    public SolverOption? Option { get; } = option;
    public string Reason { get; } = reason;
}

/// <summary>
/// A solver by name with the options given for it, and only options that apply to it: Picard takes
/// <c>damping</c>; Anderson <c>history</c>, <c>mixing</c> and <c>ridge</c>; Newton <c>maxBacktracks</c> and
/// <c>armijoC</c>; Newton–Krylov <c>krylovRestart</c>, <c>krylovMaxIterations</c> and <c>forcing</c>. The one place that turns a name and options into an <see cref="ISolver"/> (the CLI's
/// <c>--solver</c>, a sweep spec's <c>solver</c> object, and the registry of names), so an option that does
/// not apply is refused the same way everywhere instead of being ignored. Options not given keep the
/// solver record's defaults; the solver records' init setters are the range checks.
/// </summary>
public sealed record SolverSpec
{
    public const string DefaultName = "picard";

    /// <summary>The registry: every solver's name.</summary>
    public static IReadOnlyList<string> Names { get; } = ["picard", "anderson", "newton", "newton-krylov"];

    /// <summary>"picard, anderson, newton, newton-krylov".</summary>
    public static string NameList { get; } = string.Join(", ", Names);

    /// <summary>Every solver option, in the order help and canonical specs list them.</summary>
    public static IReadOnlyList<SolverOption> Options { get; } =
    [
        new("picard", new(nameof(PicardSolver.Damping), "--damping", "damping", "in (0, 1]"), false, $"Picard: x ← (1 − β)x + βF(x), β in (0, 1] (default {D(new PicardSolver().Damping)})."),
        new("anderson", new(nameof(AndersonSolver.History), "--history", "history", "in 1 … 50"), true, $"Anderson: history m, in 1 … 50 (default {D(new AndersonSolver().History)})."),
        new("anderson", new(nameof(AndersonSolver.Mixing), "--mixing", "mixing", "in (0, 1]"), false, $"Anderson: mixing β, x ← x + βg − …, in (0, 1] (default {D(new AndersonSolver().Mixing)})."),
        new("anderson", new(nameof(AndersonSolver.Ridge), "--ridge", "ridge", "≥ 0"), false, $"Anderson: ridge λ of the mixing problem, relative to the largest diagonal entry of ΔGᵀΔG (default {D(new AndersonSolver().Ridge)})."),
        new("newton", new(nameof(NewtonSolver.MaxBacktracks), "--max-backtracks", "maxBacktracks", "≥ 0"), true, $"Newton: halvings of the step in the line search (default {D(new NewtonSolver().MaxBacktracks)})."),
        new("newton", new(nameof(NewtonSolver.ArmijoC), "--armijo-c", "armijoC", "in (0, 0.5)"), false, $"Newton: Armijo constant c of the line search, in (0, 0.5) (default {D(new NewtonSolver().ArmijoC)})."),
        new("newton-krylov", new(nameof(NewtonKrylovSolver.Restart), "--krylov-restart", "krylovRestart", "in 1 … 1000"), true, $"Newton–Krylov: GMRES restart length, in 1 … 1000 (default {NewtonKrylovSolver.DefaultRestart})."),
        new("newton-krylov", new(nameof(NewtonKrylovSolver.MaxInnerIterations), "--krylov-max-iter", "krylovMaxIterations", "≥ 1"), true, $"Newton–Krylov: J·v products (GMRES steps) per Newton step at most (default {NewtonKrylovSolver.DefaultMaxInnerIterations})."),
        new("newton-krylov", new(nameof(NewtonKrylovSolver.Forcing), "--forcing", "forcing", "in (0, 1)"), false, $"Newton–Krylov: largest forcing term η, GMRES stops at ‖(J − I)d + G‖₂ ≤ η‖G‖₂ (Eisenstat–Walker below it; default {D(NewtonKrylovSolver.DefaultForcing)})."),
    ];

    private static string D(double v) => OptionName.Format(v);

    private SolverSpec(string name, IReadOnlyList<KeyValuePair<SolverOption, double>> settings, ISolver solver)
    {
        Name = name;
        Settings = settings;
        Solver = solver;
    }

    /// <summary>The solver's registry name.</summary>
    public string Name { get; }

    /// <summary>The options given, in the order given; the others keep the solver's defaults.</summary>
    public IReadOnlyList<KeyValuePair<SolverOption, double>> Settings { get; }

    /// <summary>The solver, built and validated when the spec was created.</summary>
    public ISolver Solver { get; }

    /// <summary>The value given for option <paramref name="key"/>, or null when it was left at its default.</summary>
    public double? Get(string key)
    {
        foreach (var (option, value) in Settings)
            if (option.Key == key) return value;
        return null;
    }

    /// <summary>The solver this spec describes (immutable, so it may be shared).</summary>
    public ISolver Build() => Solver;

    /// <summary>A solver by name with its defaults.</summary>
    public static SolverSpec Create(string name) => Create(name, []);

    /// <summary>
    /// The solver <paramref name="name"/> (case and surrounding spaces ignored) with the options
    /// <paramref name="settings"/> (keys as in <see cref="Options"/>). Throws <see cref="SolverSpecException"/>
    /// naming the option for an unknown solver, an option that belongs to another solver, an option given twice,
    /// or a value the solver record refuses.
    /// </summary>
    public static SolverSpec Create(string name, IEnumerable<KeyValuePair<string, double>> settings)
    {
        string n = name.Trim().ToLowerInvariant();
        if (!Names.Contains(n)) throw new SolverSpecException(null, $"unknown solver '{name}'; known: {NameList}");
        var given = new List<KeyValuePair<SolverOption, double>>();
        foreach (var (key, value) in settings)
        {
            SolverOption o = Options.FirstOrDefault(o => o.Key == key) ?? throw new ArgumentException($"'{key}' is not a solver option; known: {string.Join(", ", Options.Select(o => o.Key))}", nameof(settings));
            if (o.Solver != n) throw new SolverSpecException(o, $"applies to {o.Solver} only, not {n}");
            if (given.Any(g => g.Key == o)) throw new SolverSpecException(o, "is given twice");
            if (o.IsInteger && (value != Math.Round(value) || Math.Abs(value) > int.MaxValue)) throw new SolverSpecException(o, $"must be an integer (got {OptionName.Format(value)})");
            given.Add(new(o, value));
        }
        return new SolverSpec(n, given, Construct(n, given));
    }

    private static ISolver Construct(string name, List<KeyValuePair<SolverOption, double>> given)
    {
        double? D(string property) => given.Where(g => g.Key.Name.Property == property).Select(g => (double?)g.Value).FirstOrDefault();
        try
        {
            // Every property is set, to the value given or the record's own default, so that each given value passes its setter.
            switch (name)
            {
                case "picard":
                    var p = new PicardSolver();
                    return new PicardSolver { Damping = D(nameof(PicardSolver.Damping)) ?? p.Damping };
                case "anderson":
                    var a = new AndersonSolver();
                    return new AndersonSolver
                    {
                        History = (int)(D(nameof(AndersonSolver.History)) ?? a.History),
                        Mixing = D(nameof(AndersonSolver.Mixing)) ?? a.Mixing,
                        Ridge = D(nameof(AndersonSolver.Ridge)) ?? a.Ridge,
                    };
                case "newton-krylov":
                    return new NewtonKrylovSolver
                    {
                        Restart = (int)(D(nameof(NewtonKrylovSolver.Restart)) ?? NewtonKrylovSolver.DefaultRestart),
                        MaxInnerIterations = (int)(D(nameof(NewtonKrylovSolver.MaxInnerIterations)) ?? NewtonKrylovSolver.DefaultMaxInnerIterations),
                        Forcing = D(nameof(NewtonKrylovSolver.Forcing)) ?? NewtonKrylovSolver.DefaultForcing,
                    };
                default:
                    var n = new NewtonSolver();
                    return new NewtonSolver
                    {
                        MaxBacktracks = (int)(D(nameof(NewtonSolver.MaxBacktracks)) ?? n.MaxBacktracks),
                        ArmijoC = D(nameof(NewtonSolver.ArmijoC)) ?? n.ArmijoC,
                    };
            }
        }
        catch (ArgumentOutOfRangeException e) when (Options.FirstOrDefault(o => o.Solver == name && o.Name.Property == e.ParamName) is SolverOption o)
        {
            // The record refused the value; report it under the option's own name, with the value given.
            throw new SolverSpecException(o, o.Name.Refusal(D(o.Name.Property)));
        }
    }
}
