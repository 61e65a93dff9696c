using ScottPlot;
using SkiaSharp;

namespace Fixpoint.Cli;

/// <summary>
/// Every PNG the CLI writes: the plot rendered exactly as <see cref="Plot.GetImageBytes"/> renders it (RGBA, premultiplied),
/// but encoded with the PNG "sub" filter at zlib level 3 instead of every filter at level 6. The pixels are the same; the
/// file is somewhat larger and encodes several times faster.
/// </summary>
internal static class PlotImage
{
    private static readonly SKPngEncoderOptions Encoding = new(SKPngEncoderFilterFlags.Sub, 3);

    /// <summary>The plot rendered at <paramref name="width"/> × <paramref name="height"/>, as PNG bytes.</summary>
    public static byte[] Png(Plot plot, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        using SKSurface surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"no drawing surface of {width} × {height}");
        plot.Render(surface.Canvas, width, height);
        return Png(surface);
    }

    /// <summary>What <paramref name="surface"/> holds, as PNG bytes.</summary>
    public static byte[] Png(SKSurface surface)
    {
        using SKPixmap pixels = surface.PeekPixels() ?? throw new InvalidOperationException("the drawing surface has no pixels to encode");
        using SKData data = pixels.Encode(Encoding) ?? throw new InvalidOperationException("the PNG encoder failed");
        return data.ToArray();
    }

    /// <summary>
    /// Draws a tiny plot with a marker, a title and a legend and finds the principal plane of a few points, and throws both
    /// away: the first plot of a process loads the native library and the fonts, which this does on whatever core is idle
    /// while the census runs.
    /// </summary>
    public static void WarmUp()
    {
        var plot = new Plot();
        var m = plot.Add.Markers(new double[] { 0, 1 }, new double[] { 0, 1 }, MarkerShape.FilledCircle, 3, Colors.Gray);
        m.LegendText = "warm-up";
        plot.Add.Plottable(new PointCloud([0.5], [0.5], 3, Colors.Gray));
        plot.ShowLegend();
        plot.Title("warm-up");
        plot.XLabel("x");
        _ = Png(plot, 64, 48);
        // The principal plane of census.png runs vector primitives whose code the first call compiles.
        var points = new double[6 * 4];
        for (int i = 0; i < points.Length; i++) points[i] = Math.Sin(i + 1.0);
        _ = PrincipalComponents.LeadingAxes(points, 6, 4, 2);
    }
}
