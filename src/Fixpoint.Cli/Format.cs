namespace Fixpoint.Cli;

/// <summary>
/// The number formats of every verb's lines, tables and CSV cells, in the invariant culture. Where a table
/// shows a value that is missing or non-finite it says "n/a"; a CSV cell is left empty.
/// </summary>
internal static class Format
{
    public const string NotAvailable = "n/a";

    /// <summary>An option's value as the user would type it ("g": 1e-06, 0.5).</summary>
    public static string Value(double v) => v.ToString("g", CultureInfo.InvariantCulture);

    /// <summary>An integer.</summary>
    public static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary><paramref name="v"/> under a .NET custom format such as "0.00"; "n/a" when not finite.</summary>
    public static string Fixed(double v, string pattern) => double.IsFinite(v) ? v.ToString(pattern, CultureInfo.InvariantCulture) : NotAvailable;

    /// <summary>Scientific with up to <paramref name="digits"/> decimals (3: "1.235e-4"); "n/a" when not finite.</summary>
    public static string Sci(double v, int digits = 3) => Fixed(v, "0." + new string('#', digits) + "e+0");

    /// <summary>A fraction as a percentage with one optional decimal ("97.5%"); "n/a" when not finite.</summary>
    public static string Percent(double fraction) => double.IsFinite(fraction) ? (100 * fraction).ToString("0.#", CultureInfo.InvariantCulture) + "%" : NotAvailable;

    /// <summary>A relative change as a signed percentage with two decimals ("+1.25%"); "n/a" when not finite.</summary>
    public static string SignedPercent(double fraction) => double.IsFinite(fraction) ? (100 * fraction).ToString("+0.00;-0.00", CultureInfo.InvariantCulture) + "%" : NotAvailable;

    /// <summary>Four decimals at most, scientific below 1e-3 in magnitude ("0.1234", "5.2e-5"); "n/a" when not finite.</summary>
    public static string Compact(double v) => !double.IsFinite(v) ? NotAvailable
        : v != 0 && Math.Abs(v) < 1e-3 ? v.ToString("0.###e0", CultureInfo.InvariantCulture)
        : v.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>A power-law exponent with two decimals; "n/a" when no fit was made.</summary>
    public static string Alpha(PowerLawFit? fit) => fit is null ? NotAvailable : fit.Alpha.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>
    /// <paramref name="v"/> to <paramref name="digits"/> significant digits, trailing zeros dropped: plain between
    /// 10⁻³ and 10⁶ in magnitude ("0.9876", "1402.8", "12"), scientific outside ("8.941e-7", "3.2e+9"), "0" for
    /// zero; "n/a" when not finite. A whole number below 10⁶ prints whole: counts stay counts ("8", not "8e+0").
    /// </summary>
    public static string Sig(double v, int digits = 4)
    {
        if (!double.IsFinite(v)) return NotAvailable;
        if (v == 0) return "0";
        double a = Math.Abs(v);
        if (a >= 1e6 || a < 1e-3) return Sci(v, digits - 1);
        if (v == Math.Floor(v)) return v.ToString("0", CultureInfo.InvariantCulture);
        int decimals = Math.Max(0, digits - 1 - (int)Math.Floor(Math.Log10(a)));
        double r = Math.Round(v, Math.Min(decimals, 15), MidpointRounding.AwayFromZero);
        // Rounding can carry into the next power of ten (0.99996 → 1), which needs one decimal less.
        return r.ToString(decimals == 0 ? "0" : "0." + new string('#', decimals), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A share of the starts as a percentage to 3 significant digits ("25.1%", "0.096%"); "0%" below 10⁻¹² (an
    /// interval's lower end for no hits is zero up to rounding, never a real share of a finite census); "n/a" when not finite.
    /// </summary>
    public static string Share(double fraction) =>
        !double.IsFinite(fraction) ? NotAvailable : Math.Abs(fraction) < 1e-12 ? "0%" : Sig(100 * fraction, 3) + "%";

    /// <summary>A share's interval as "[lo, hi]" in <see cref="Share"/>'s form.</summary>
    public static string ShareInterval((double Lo, double Hi) ci) => $"[{Share(ci.Lo)}, {Share(ci.Hi)}]";

    /// <summary>A CSV cell: round-trip digits, empty when not finite.</summary>
    public static string Csv(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
