using System.Buffers.Binary;
using System.Text.Json;
using Fixpoint.Census;
using Fixpoint.Cli;
using MathNet.Numerics.LinearAlgebra;
using SkiaSharp;

namespace Fixpoint.Tests;

/// <summary>census.png's projections (--project), eigenvalues.png, basins.png and the overlays census.png accepts.</summary>
public class CensusPlotTests
{
    private static readonly string FlipFlop = Interop.Fixtures.Path(Path.Combine("torch", "flipflop_gru.pt"));

    /// <summary>Width and height from a PNG's IHDR chunk (bytes 16–23, big-endian).</summary>
    private static (int W, int H) PngSize(string path)
    {
        byte[] b = File.ReadAllBytes(path);
        Assert.True(b.Length > 24 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', $"{path} is not a PNG");
        return (BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(16, 4)), BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(20, 4)));
    }

    private static CliRunner.Run FlipFlopCensus(string dir, params string[] more) =>
        CliRunner.Invoke([.. new[] { "census", "--model", FlipFlop, "--hold", "input=0,0,0", "--starts", "400", "--out", dir }, .. more]);

    [Fact]
    public void Pca3DrawsThreePanelsAndTheCensusWritesItsEigenvaluesAndBasins()
    {
        string dir = CliRunner.TempDir();
        var run = FlipFlopCensus(dir, "--project", "pca3");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal((3 * CensusPlot.PanelWidth, CensusPlot.PanelHeight), PngSize(Path.Combine(dir, "census.png")));
        Assert.Equal((CensusFigures.Width, CensusFigures.Height), PngSize(Path.Combine(dir, "eigenvalues.png")));
        Assert.Equal((CensusFigures.BasinsWidth, CensusFigures.BasinsHeight), PngSize(Path.Combine(dir, "basins.png")));
        Assert.Contains("census.png, eigenvalues.png, basins.png", run.Out);
        // The flip-flop GRU's eight attractors (three bits) are what the three panels separate.
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "census.json")));
        Assert.Equal(8, doc.RootElement.GetProperty("q").GetInt32());
    }

    [Fact]
    public void DefaultCoordinatesAndTwoColumnFilesDrawOnePanel()
    {
        string dir = CliRunner.TempDir();
        Assert.Equal(0, FlipFlopCensus(Path.Combine(dir, "pca")).ExitCode);
        Assert.Equal((CensusPlot.Width, CensusPlot.Height), PngSize(Path.Combine(dir, "pca", "census.png")));
        Assert.Equal(0, FlipFlopCensus(Path.Combine(dir, "coords"), "--project", "coords:0,2").ExitCode);
        Assert.Equal((CensusPlot.Width, CensusPlot.Height), PngSize(Path.Combine(dir, "coords", "census.png")));
        string two = Path.Combine(dir, "p2.csv"), three = Path.Combine(dir, "p3.csv");
        File.WriteAllLines(two, Enumerable.Range(0, 16).Select(i => $"{(i == 0 ? 1 : 0)},{(i == 1 ? 1 : 0.1)}"));
        File.WriteAllLines(three, new[] { "a,b,c" }.Concat(Enumerable.Range(0, 16).Select(i => $"{i % 3},{(i + 1) % 2},{0.5 * (i % 5)}")));
        Assert.Equal(0, FlipFlopCensus(Path.Combine(dir, "f2"), "--project", two).ExitCode);
        Assert.Equal((CensusPlot.Width, CensusPlot.Height), PngSize(Path.Combine(dir, "f2", "census.png")));
        Assert.Equal(0, FlipFlopCensus(Path.Combine(dir, "f3"), "--project", three).ExitCode);
        Assert.Equal((3 * CensusPlot.PanelWidth, CensusPlot.PanelHeight), PngSize(Path.Combine(dir, "f3", "census.png")));
    }

    [Theory]
    [InlineData("pca4", "unknown --project 'pca4'")]
    [InlineData("coords:1", "coords takes two 0-based coordinates")]
    [InlineData("coords:2,2", "the two coordinates must differ")]
    [InlineData("coords:0,16", "coordinates run from 0 to 15")]
    [InlineData("missing.csv", "file not found")]
    [InlineData("ONE_COLUMN", "it needs 2 or 3")]
    [InlineData("FIVE_ROWS", "the matrix has 5 rows but the state has dimension 16")]
    [InlineData("RAGGED", "line 2 has 1 fields")]
    public void BadProjectionsExitWithTwoAndOneLine(string value, string message)
    {
        string dir = CliRunner.TempDir();
        if (value == "ONE_COLUMN") File.WriteAllLines(value = Path.Combine(dir, "one.csv"), Enumerable.Range(0, 16).Select(i => $"{i}"));
        if (value == "FIVE_ROWS") File.WriteAllLines(value = Path.Combine(dir, "five.csv"), Enumerable.Range(0, 5).Select(i => $"{i},1"));
        if (value == "RAGGED") File.WriteAllLines(value = Path.Combine(dir, "ragged.csv"), ["1,2", "3"]);
        if (value == "missing.csv") value = Path.Combine(dir, value);
        var run = FlipFlopCensus(Path.Combine(dir, "out"), "--project", value);
        Assert.Equal(2, run.ExitCode);
        string[] errors = run.Err.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToArray();
        Assert.Single(errors);
        Assert.Contains(message, errors[0]);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }

    [Fact]
    public void Pca3NeedsThreeDimensions()
    {
        string dir = CliRunner.TempDir();
        var run = CliRunner.Invoke("census", "--network", "ke2024-poly", "--dim", "2", "--starts", "20", "--project", "pca3", "--out", dir);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--project pca3 needs a state of dimension ≥ 3 (this one has 2)", run.Err);
    }

    [Fact]
    public void NoPlotWritesNoPictureAndDropsThoseOfTheRunBefore()
    {
        string dir = CliRunner.TempDir();
        Assert.Equal(0, FlipFlopCensus(dir).ExitCode);
        foreach (string f in new[] { "census.png", "eigenvalues.png", "basins.png" }) Assert.True(File.Exists(Path.Combine(dir, f)), f);
        var run = FlipFlopCensus(dir, "--no-plot");
        Assert.Equal(0, run.ExitCode);
        foreach (string f in new[] { "census.png", "eigenvalues.png", "basins.png" }) Assert.False(File.Exists(Path.Combine(dir, f)), f);
        Assert.True(File.Exists(Path.Combine(dir, "census.json")));
        Assert.DoesNotContain("eigenvalues.png", run.Out);
    }

    /// <summary>The corners of a cube, rotated into 16 dimensions: PC1–PC3 carry all the variance and keep the eight corners apart.</summary>
    [Fact]
    public void ThreeAxesOfACubeRecoverItsEightCorners()
    {
        const int n = 16;
        var rng = new Fixpoint.Numerics.Rng(3);
        var q = Matrix<double>.Build.Dense(n, n, (_, _) => rng.Normal()).QR().Q;
        var x = new double[8 * n];
        for (int c = 0; c < 8; c++)
        {
            var z = Vector<double>.Build.Dense(n, j => j < 3 ? ((c >> j) & 1) * 2 - 1.0 : 0);
            (q * z + 0.25).ToArray().CopyTo(x, c * n);
        }
        PrincipalAxes axes = PrincipalComponents.LeadingAxes(x, 8, n, 3);
        Assert.Equal(1.0, axes.Share, 12);
        var y = Enumerable.Range(0, 8).Select(c => axes.Project(x.AsSpan(c * n, n))).ToArray();
        // Distances between corners are kept (the projection is an isometry of the cube's span): 2, 2√2 or 2√3.
        for (int a = 0; a < 8; a++)
            for (int b = a + 1; b < 8; b++)
            {
                double d = Math.Sqrt(y[a].Zip(y[b], (u, v) => (u - v) * (u - v)).Sum());
                double expected = 2 * Math.Sqrt(System.Numerics.BitOperations.PopCount((uint)(a ^ b)));
                Assert.Equal(expected, d, 10);
            }
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(i == j ? 1.0 : 0.0, axes.Axes[i].Zip(axes.Axes[j], (u, v) => u * v).Sum(), 12);
    }

    /// <summary>The three leading axes are the SVD's three leading right singular vectors, up to sign.</summary>
    [Fact]
    public void ThreeAxesAreTheSvdsUpToSign()
    {
        const int m = 300, n = 40;
        var rng = new Fixpoint.Numerics.Rng(11);
        var x = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) x[i * n + j] = Math.Pow(0.85, j) * rng.Normal();
        PrincipalAxes axes = PrincipalComponents.LeadingAxes(x, m, n, 3);
        var mat = Matrix<double>.Build.Dense(m, n, (i, j) => x[i * n + j]);
        var mean = mat.ColumnSums() / m;
        var svd = (mat - Matrix<double>.Build.Dense(m, n, (_, j) => mean[j])).Svd(true);
        for (int a = 0; a < 3; a++)
            Assert.Equal(1.0, Math.Abs(svd.VT.Row(a).DotProduct(Vector<double>.Build.DenseOfArray(axes.Axes[a]))), 8);
        Assert.Equal(svd.S.Take(3).Sum(s => s * s) / svd.S.Sum(s => s * s), axes.Share, 10);
    }

    [Fact]
    public void FewerPointsThanAxesGetAnOrthonormalCompletion()
    {
        double[] x = [1, 2, 3, 4, 2, 2, 2, 2]; // two points in R⁴: one direction of variance
        PrincipalAxes axes = PrincipalComponents.LeadingAxes(x, 2, 4, 3);
        Assert.Equal(3, axes.Axes.Length);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(i == j ? 1.0 : 0.0, axes.Axes[i].Zip(axes.Axes[j], (u, v) => u * v).Sum(), 12);
        Assert.Equal(1.0, axes.Share, 12);
    }

    /// <summary>A 2-D tanh network with W = 2I: four stable corners, four saddles and a repeller at 0.</summary>
    private static CensusResult TwoBits() =>
        FixedPointCensus.Run(TestNetworks.Dense(2, [2, 0, 0, 2], [0, 0]), new UniformBoxStarts(-1, 1), 300, 0, new CensusOptions { Unstable = true });

    private static int Count(byte[] png, Func<SKColor, bool> which)
    {
        using SKBitmap bmp = SKBitmap.Decode(png);
        int k = 0;
        for (int y = 0; y < bmp.Height; y++)
            for (int x = 0; x < bmp.Width; x++)
                if (which(bmp.GetPixel(x, y))) k++;
        return k;
    }

    private static bool PureRed(SKColor c) => c.Red >= 245 && c.Green <= 20 && c.Blue <= 20;

    private static bool TrajectoryGrey(SKColor c) => Math.Abs(c.Red - c.Green) <= 2 && Math.Abs(c.Green - c.Blue) <= 2 && c.Red is >= 160 and <= 200;

    [Fact]
    public void UnstableModesAreDrawnAsSegmentsThroughTheirPoints()
    {
        CensusResult r = TwoBits();
        Assert.Contains(r.FixedPoints, f => f.Stability == Stability.Unstable);
        var modes = r.FixedPoints.Where(f => f.Stability == Stability.Unstable)
            .Select(f => new ModeSegment(f.X, Math.Abs(f.X[0]) < 1e-6 ? [1.0, 0.0] : [0.0, 1.0])).ToList();
        byte[] plain = CensusPlot.Render(r, CensusProjection.Pca, CensusOverlays.None);
        byte[] drawn = CensusPlot.Render(r, CensusProjection.Pca, new CensusOverlays([], modes));
        Assert.Equal(0, Count(plain, PureRed));
        // Each segment is 2 × 6% of the ≈ 2-wide range long, 2.5 px wide: some 100 px on a 1000 × 750 panel.
        Assert.True(Count(drawn, PureRed) > 100 * modes.Count, $"{Count(drawn, PureRed)} red pixels for {modes.Count} segments");
        // A zero direction draws nothing (and does not fail).
        byte[] zero = CensusPlot.Render(r, CensusProjection.Pca, new CensusOverlays([], [new ModeSegment([0.0, 0.0], [0.0, 0.0])]));
        Assert.Equal(0, Count(zero, PureRed));
    }

    [Fact]
    public void TrajectoriesAreThinGreyLinesInEveryPanel()
    {
        CensusResult r = TwoBits();
        double[][] spiral = [.. Enumerable.Range(0, 200).Select(t => new[] { 0.9 * Math.Exp(-t / 80.0) * Math.Cos(t / 10.0), 0.9 * Math.Exp(-t / 80.0) * Math.Sin(t / 10.0) })];
        byte[] plain = CensusPlot.Render(r, CensusProjection.Pca, CensusOverlays.None);
        byte[] drawn = CensusPlot.Render(r, CensusProjection.Pca, new CensusOverlays([spiral, spiral.Reverse().Select(p => new[] { -p[0], p[1] }).ToArray()], []));
        Assert.True(Count(drawn, TrajectoryGrey) > Count(plain, TrajectoryGrey) + 500);

        // On three panels (a 2 × 3 matrix: x, y, x + y) each panel gets its line.
        string csv = Path.Combine(CliRunner.TempDir(), "m.csv");
        File.WriteAllLines(csv, ["1,0,1", "0,1,1"]);
        CensusProjection three = CensusProjection.Parse(csv);
        byte[] p3 = CensusPlot.Render(r, three, CensusOverlays.None), d3 = CensusPlot.Render(r, three, new CensusOverlays([spiral], []));
        using SKBitmap a = SKBitmap.Decode(p3), b = SKBitmap.Decode(d3);
        Assert.Equal(3 * CensusPlot.PanelWidth, b.Width);
        for (int panel = 0; panel < 3; panel++)
        {
            int changed = 0;
            for (int y = 0; y < b.Height; y++)
                for (int x = panel * CensusPlot.PanelWidth; x < (panel + 1) * CensusPlot.PanelWidth; x++)
                    if (a.GetPixel(x, y) != b.GetPixel(x, y)) changed++;
            Assert.True(changed > 300, $"panel {panel}: {changed} pixels changed");
        }
    }

    [Fact]
    public void EigenvaluesAndBasinsAreDrawnForAnyCensus()
    {
        string dir = CliRunner.TempDir();
        CensusResult r = TwoBits();
        CensusFigures.Eigenvalues(r, Path.Combine(dir, "e.png"));
        CensusFigures.Basins(r, Path.Combine(dir, "b.png"));
        Assert.Equal((CensusFigures.Width, CensusFigures.Height), PngSize(Path.Combine(dir, "e.png")));
        Assert.Equal((CensusFigures.BasinsWidth, CensusFigures.BasinsHeight), PngSize(Path.Combine(dir, "b.png")));
        // A census with nothing found still gets both pictures (an empty plane, no bars).
        CensusResult none = r with { FixedPoints = [], Cycles = [] };
        CensusFigures.Eigenvalues(none, Path.Combine(dir, "e0.png"));
        CensusFigures.Basins(none, Path.Combine(dir, "b0.png"));
        Assert.True(File.Exists(Path.Combine(dir, "e0.png")) && File.Exists(Path.Combine(dir, "b0.png")));
    }
}
