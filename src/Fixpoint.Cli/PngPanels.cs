using SkiaSharp;

namespace Fixpoint.Cli;

/// <summary>Places rendered PNG panels side by side (or in a grid) in one PNG.</summary>
internal static class PngPanels
{
    public static byte[] Combine(IReadOnlyList<byte[]> panels, int columns)
    {
        var bitmaps = panels.Select(SKBitmap.Decode).ToList();
        try
        {
            int w = bitmaps.Max(b => b.Width), h = bitmaps.Max(b => b.Height);
            int rows = (bitmaps.Count + columns - 1) / columns;
            using var surface = SKSurface.Create(new SKImageInfo(w * columns, h * rows));
            surface.Canvas.Clear(SKColors.White);
            for (int i = 0; i < bitmaps.Count; i++)
                surface.Canvas.DrawBitmap(bitmaps[i], (i % columns) * w, (i / columns) * h);
            return PlotImage.Png(surface);
        }
        finally
        {
            foreach (var b in bitmaps) b.Dispose();
        }
    }
}
