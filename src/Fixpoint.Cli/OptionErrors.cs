namespace Fixpoint.Cli;

/// <summary>
/// The one place that turns a library record's refusal into the CLI's one error line, under the option's
/// command-line name: the records' init setters do the range checks (ParamName names the property), and the
/// tables of <see cref="OptionName"/> say what each property is called here.
/// </summary>
internal static class OptionErrors
{
    /// <summary>Runs <paramref name="build"/> (which sets record properties from options); a refused value becomes a <see cref="UsageException"/> naming its option.</summary>
    public static T Build<T>(Func<T> build, params IReadOnlyList<OptionName>[] tables)
    {
        try { return build(); }
        catch (ArgumentOutOfRangeException e) when (tables.SelectMany(t => t).FirstOrDefault(o => o.Property == e.ParamName) is OptionName name)
        {
            throw new UsageException($"{name.Cli} {name.Refusal(e.ActualValue)}");
        }
    }

    /// <summary>The line for a refused solver spec: "--history applies to anderson only, not picard".</summary>
    public static UsageException Usage(SolverSpecException e, string solverName) => e.Option is null
        ? new UsageException($"unknown --solver '{solverName}'; known: {SolverSpec.NameList}")
        : new UsageException($"{e.Option.Name.Cli} {e.Reason}");
}
