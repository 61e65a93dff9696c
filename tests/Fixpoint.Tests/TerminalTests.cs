using System.Globalization;
using Fixpoint.Cli;

namespace Fixpoint.Tests;

/// <summary>Issue 16, item 6: tables that fit the terminal, plain small numbers, and suggestions for misspelled verbs and options.</summary>
public class TerminalTests
{
    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(8.0, "8")]
    [InlineData(8.9407e-07, "8.941e-7")]
    [InlineData(0.000959443, "9.594e-4")]
    [InlineData(0.98765432, "0.9877")]
    [InlineData(1.4028014, "1.403")]
    [InlineData(0.99996, "1")]
    [InlineData(-12.3456, "-12.35")]
    [InlineData(1402.8014, "1403")]
    [InlineData(3.2e9, "3.2e+9")]
    [InlineData(double.NaN, "n/a")]
    public void SignificantDigits(double v, string expected) => Assert.Equal(expected, Format.Sig(v));

    [Theory]
    [InlineData(5.42101e-20, "0%")]
    [InlineData(0.000959443, "0.0959%")]
    [InlineData(0.25, "25%")]
    [InlineData(0.98123, "98.1%")]
    [InlineData(1.0, "100%")]
    public void SharesArePercentages(double v, string expected) => Assert.Equal(expected, Format.Share(v));

    [Fact]
    public void WidthComesFromTheTerminalThenColumnsThenNoLimit()
    {
        Assert.Equal(120, CliConsole.WidthFrom(true, () => 120, "80"));
        Assert.Equal(80, CliConsole.WidthFrom(true, () => throw new IOException("no terminal"), "80"));
        Assert.Equal(80, CliConsole.WidthFrom(false, () => 120, "80"));
        Assert.Null(CliConsole.WidthFrom(false, () => 120, null));
        Assert.Null(CliConsole.WidthFrom(false, () => 120, "wide"));
    }

    /// <summary>A table shortens its point column, leaves out columns in its drop order, and fits the width exactly when asked to, for plain text and Spectre's borders alike.</summary>
    [Theory]
    [InlineData(80, 2, -2)]
    [InlineData(80, 3, 1)]
    [InlineData(40, 3, 1)]
    [InlineData(20, 2, -2)]
    public void LayoutFitsTheWidth(int width, int perColumn, int extra)
    {
        string[] head = ["#", "x", "residual", "ρ", "stability", "type", "basin 95% CI"];
        var rows = Enumerable.Range(0, 5).Select(i => new[] { i.ToString(CultureInfo.InvariantCulture), "(" + string.Join(", ", Enumerable.Repeat("-0.123456789", 8)) + ")", "1.1e-16", "0.537352", "unstable", "focus", "[0.9812, 1]" }).ToList();
        var (keep, widths) = ConsoleTable.Layout(head, rows, width, perColumn, extra, new TableFit(Shrink: 1, MinShrunk: 20, DropOrder: [5, 6, 2]));
        Assert.True(widths.Sum() + perColumn * keep.Length + extra <= width, $"{widths.Sum() + perColumn * keep.Length + extra} > {width}");
        Assert.Equal(0, keep[0]);
        if (width >= 80)
        {
            // Room for the shortened point and every column but at most the first one dropped.
            Assert.Contains(1, keep);
            Assert.True(widths[Array.IndexOf(keep, 1)] >= 20);
            Assert.True(keep.Length >= head.Length - 1);
        }
        if (width == 40) Assert.DoesNotContain(5, keep);
        var (all, natural) = ConsoleTable.Layout(head, rows, null, perColumn, extra, new TableFit());
        Assert.Equal(head.Length, all.Length);
        Assert.Equal(rows[0][1].Length, natural[1]);
    }

    /// <summary>At COLUMNS=80 no census line is wider than 80 characters, so no terminal wraps a cell: every table row is one line.</summary>
    [Fact]
    public void CensusTablesFitEightyColumns()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.InvokeAtWidth("80", "census", "--network", "ke2024-poly", "--dim", "2", "--m", "100", "--unstable", "--box", "-3", "3", "--starts", "300", "--no-plot", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Err);
        string[] lines = run.Out.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.All(lines.Where(l => !l.StartsWith("wrote ", StringComparison.Ordinal) && !l.StartsWith("network: ", StringComparison.Ordinal)), l => Assert.True(l.Length <= 80, $"{l.Length} characters: {l}"));
        int header = Array.FindIndex(lines, l => l == "fixed points:");
        Assert.StartsWith("#", lines[header + 1]);
        // 16 fixed points, one line each, numbered 0 … 15.
        for (int i = 0; i < 16; i++) Assert.StartsWith(i.ToString(CultureInfo.InvariantCulture) + " ", lines[header + 2 + i]);
        Assert.Contains("missed attractors (Chao1): 0 ± 0 (estimate 4 total", run.Out);

        // The same census unlimited shows every column.
        var wide = CliRunner.Invoke("census", "--network", "ke2024-poly", "--dim", "2", "--m", "100", "--unstable", "--box", "-3", "3", "--starts", "300", "--no-plot", "--out", dir);
        Assert.Contains("basin 95% CI", wide.Out);
        Assert.DoesNotContain("not shown at", wide.Out);
    }

    [Theory]
    [InlineData("did you mean census?", new[] { "cencus" })]
    [InlineData("did you mean --starts?", new[] { "census", "--strats", "10" })]
    [InlineData("did you mean run?", new[] { "sweep", "rnu" })]
    [InlineData("Unrecognized command 'frobnicate' (see fixpoint --help)", new[] { "frobnicate" })]
    public void MisspelledVerbsAndOptionsGetSuggestions(string expected, string[] args)
    {
        var run = CliRunner.Invoke(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Err);
        Assert.Single(run.Err.TrimEnd().Split('\n'));
        Assert.DoesNotContain("Required command", run.Err);
    }
}
