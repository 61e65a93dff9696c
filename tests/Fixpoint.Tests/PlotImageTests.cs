using Fixpoint.Cli;
using ScottPlot;
using SkiaSharp;

namespace Fixpoint.Tests;

/// <summary>The CLI's PNG encoding: the pixels ScottPlot renders, in a file that any PNG reader decodes.</summary>
public class PlotImageTests
{
    private static Plot Scatter(int points)
    {
        var plot = new Plot();
        var rng = new Random(3);
        double[] xs = [.. Enumerable.Range(0, points).Select(_ => rng.NextDouble())];
        double[] ys = [.. Enumerable.Range(0, points).Select(_ => rng.NextDouble())];
        var m = plot.Add.Markers(xs, ys, MarkerShape.FilledCircle, 3, Colors.Blue.WithAlpha(0.55));
        m.LegendText = "starts";
        plot.ShowLegend();
        plot.Title("a title");
        return plot;
    }

    [Fact]
    public void ThePngHoldsExactlyThePixelsOfScottPlotsOwnEncoding()
    {
        Plot plot = Scatter(800);
        using SKBitmap reference = SKBitmap.Decode(plot.GetImageBytes(320, 240, ImageFormat.Png));
        using SKBitmap ours = SKBitmap.Decode(PlotImage.Png(plot, 320, 240));
        Assert.Equal((reference.Width, reference.Height), (ours.Width, ours.Height));
        int differing = 0;
        for (int y = 0; y < reference.Height; y++)
            for (int x = 0; x < reference.Width; x++)
                if (reference.GetPixel(x, y) != ours.GetPixel(x, y)) differing++;
        Assert.Equal(0, differing);
        // Not a blank image: the markers and the text are there.
        SKColor corner = ours.GetPixel(0, 0);
        int inked = Enumerable.Range(0, 240).Sum(y => Enumerable.Range(0, 320).Count(x => ours.GetPixel(x, y) != corner));
        Assert.True(inked > 1000, $"only {inked} pixels differ from the background");
    }

    /// <summary>census.png draws its starts with <see cref="PointCloud"/>: the same dots where ScottPlot's markers put them, the same axes and legend entry.</summary>
    [Fact]
    public void APointCloudInksThePixelsThatScottPlotsMarkersInk()
    {
        var rng = new Random(5);
        double[] xs = [.. Enumerable.Range(0, 300).Select(_ => rng.NextDouble() * 4 - 1)];
        double[] ys = [.. Enumerable.Range(0, 300).Select(_ => rng.NextDouble() * 2)];
        xs[7] = double.NaN; // a point that cannot be drawn is skipped by both
        var withMarkers = new Plot();
        withMarkers.Add.Markers(xs, ys, MarkerShape.FilledCircle, 5, Colors.Red).LegendText = "starts";
        var withCloud = new Plot();
        var cloud = new PointCloud(xs, ys, 5, Colors.Red) { LegendText = "starts" };
        withCloud.Add.Plottable(cloud);
        AxisLimits limits = cloud.GetAxisLimits();
        Assert.Equal((xs.Where(double.IsFinite).Min(), xs.Where(double.IsFinite).Max()), (limits.Left, limits.Right));
        Assert.Equal((ys.Where((_, i) => i != 7).Min(), ys.Where((_, i) => i != 7).Max()), (limits.Bottom, limits.Top));
        var legend = Assert.Single(cloud.LegendItems);
        Assert.Equal(("starts", MarkerShape.FilledCircle, 5f), (legend.LabelText, legend.MarkerStyle.Shape, legend.MarkerStyle.Size));
        foreach (Plot p in new[] { withMarkers, withCloud }) p.Axes.SetLimits(-1.2, 3.2, -0.2, 2.2);
        using SKBitmap a = SKBitmap.Decode(PlotImage.Png(withMarkers, 400, 300));
        using SKBitmap b = SKBitmap.Decode(PlotImage.Png(withCloud, 400, 300));
        static bool Red(SKColor c) => c.Red > 200 && c.Green < 90 && c.Blue < 90;
        int both = 0, onlyMarkers = 0, onlyCloud = 0;
        for (int y = 0; y < 300; y++)
            for (int x = 0; x < 400; x++)
            {
                bool ra = Red(a.GetPixel(x, y)), rb = Red(b.GetPixel(x, y));
                if (ra && rb) both++; else if (ra) onlyMarkers++; else if (rb) onlyCloud++;
            }
        Assert.True(both > 2000, $"{both} red pixels in common");
        Assert.True(onlyMarkers + onlyCloud < both / 10, $"{onlyMarkers} red only with markers, {onlyCloud} only with the cloud, {both} in both");
    }

    [Fact]
    public void PanelsCombineSideBySideAndAWarmUpChangesNoImage()
    {
        byte[] before = PlotImage.Png(Scatter(50), 200, 150);
        PlotImage.WarmUp();
        byte[] after = PlotImage.Png(Scatter(50), 200, 150);
        Assert.Equal(before, after);
        using SKBitmap both = SKBitmap.Decode(PngPanels.Combine([before, after], 2));
        Assert.Equal((400, 150), (both.Width, both.Height));
    }

    [Fact]
    public void ASizeBelowOnePixelIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PlotImage.Png(new Plot(), 0, 10));
}
