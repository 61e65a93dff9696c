namespace Fixpoint.Cli;

/// <summary>
/// --solver and the options of each solver (<see cref="SolverSpec.Options"/>: --damping for picard; --history,
/// --mixing, --ridge for anderson; --max-backtracks, --armijo-c for newton), for every verb that runs a solver.
/// An option given for a solver it does not belong to is refused, never ignored.
/// </summary>
internal sealed class SolverOptions(string nameHelp)
{
    public readonly Option<string> Name = new("--solver") { Description = nameHelp, DefaultValueFactory = _ => SolverSpec.DefaultName };

    private readonly (SolverOption Spec, Option Cli)[] _options = SolverSpec.Options
        .Select(o => (o, o.IsInteger ? (Option)new Option<int>(o.Name.Cli) { Description = o.Help } : new Option<double>(o.Name.Cli) { Description = o.Help }))
        .ToArray();

    public void AddTo(Command command)
    {
        command.Options.Add(Name);
        foreach (var (_, cli) in _options) command.Options.Add(cli);
    }

    /// <summary>The solver the options describe; exit 2 with one line naming the option that does not apply or is out of range.</summary>
    public SolverSpec Spec(ParseResult p)
    {
        string name = p.GetValue(Name)!;
        var given = new List<KeyValuePair<string, double>>();
        foreach (var (spec, cli) in _options)
        {
            if (!NetworkOptions.Given(p, cli)) continue;
            double value = cli is Option<int> i ? p.GetValue(i) : p.GetValue((Option<double>)cli);
            given.Add(new(spec.Key, value));
        }
        try { return SolverSpec.Create(name, given); }
        catch (SolverSpecException e) { throw OptionErrors.Usage(e, name); }
    }
}
