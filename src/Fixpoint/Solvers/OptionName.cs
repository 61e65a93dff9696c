using System.Globalization;

namespace Fixpoint.Solvers;

/// <summary>
/// How one option of a library record is named outside the library: on the command line (<see cref="Cli"/>,
/// <c>--max-iter</c>) and in a sweep spec (<see cref="SpecKey"/>, <c>maxIterations</c>), with the values the
/// record's init setter accepts, in words. The setter is the only check; <see cref="Range"/> words it so that a
/// refused value is reported under the name the user wrote (a test pins each wording to its setter's message).
/// </summary>
public sealed record OptionName(string Property, string Cli, string SpecKey, string Range)
{
    /// <summary>"must be in 1 … 50 (got 70)".</summary>
    public string Refusal(object? value) => $"must be {Range} (got {Format(value)})";

    /// <summary>The entry of <paramref name="table"/> for the record property <paramref name="property"/>, or null.</summary>
    public static OptionName? Find(IEnumerable<OptionName> table, string? property) => table.FirstOrDefault(o => o.Property == property);

    public static string Format(object? value) => value switch
    {
        double d => d.ToString("g", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        null => "null",
        _ => value.ToString() ?? "",
    };
}
