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
