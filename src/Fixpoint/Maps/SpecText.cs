using System.Globalization;

namespace Fixpoint.Maps;

/// <summary>The spec strings of activations and laws: <c>name</c> or <c>name(a,b,…)</c> with finite numbers.</summary>
internal static class SpecText
{
    /// <summary>Splits a spec into its lower-case name and arguments; <paramref name="what"/> names the kind in errors ("activation", "law").</summary>
    public static (string Name, double[] Args, bool HasParentheses) Parse(string spec, string what)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string s = spec.Trim().ToLowerInvariant();
        int open = s.IndexOf('(');
        if (open < 0) return (s, [], false);
        if (!s.EndsWith(')')) throw new FormatException($"{what} '{spec}': missing ')'");
        string inner = s[(open + 1)..^1];
        double[] args = inner.Length == 0 ? [] : inner.Split(',').Select(a => Number(a, spec, what)).ToArray();
        return (s[..open].Trim(), args, true);
    }

    private static double Number(string text, string spec, string what)
    {
        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new FormatException($"{what} '{spec}': '{text.Trim()}' is not a finite number");
        return v;
    }
}
