using ScottPlot;
using SkiaSharp;

namespace Fixpoint.Cli;

/// <summary>
/// Many small filled circles of one colour, drawn by a single <see cref="SKCanvas.DrawPoints(SKPointMode, SKPoint[], SKPaint)"/>
/// call (round points) where ScottPlot's <c>Markers</c> draws each marker on its own: the 2500 starts of census.png took
/// about twice as long that way. It looks the same: a circle of <see cref="Diameter"/> pixels per point, anti-aliased.
/// </summary>
internal sealed class PointCloud(double[] xs, double[] ys, float diameter, Color color) : IPlottable
{
    public bool IsVisible { get; set; } = true;

    public IAxes Axes { get; set; } = new Axes();

    public float Diameter { get; } = diameter;

    public Color Color { get; } = color;

    /// <summary>The legend entry's text (none when empty).</summary>
    public string LegendText { get; set; } = "";

    public IEnumerable<LegendItem> LegendItems => LegendText.Length == 0
        ? LegendItem.None
        : LegendItem.Single(this, LegendText, new MarkerStyle(MarkerShape.FilledCircle, Diameter, Color));

    public AxisLimits GetAxisLimits()
    {
        double left = double.PositiveInfinity, right = double.NegativeInfinity, bottom = double.PositiveInfinity, top = double.NegativeInfinity;
        for (int i = 0; i < xs.Length; i++)
        {
            if (!double.IsFinite(xs[i]) || !double.IsFinite(ys[i])) continue;
            left = Math.Min(left, xs[i]); right = Math.Max(right, xs[i]);
            bottom = Math.Min(bottom, ys[i]); top = Math.Max(top, ys[i]);
        }
        return left <= right ? new AxisLimits(left, right, bottom, top) : AxisLimits.NoLimits;
    }

    public void Render(RenderPack rp)
    {
        var points = new List<SKPoint>(xs.Length);
        for (int i = 0; i < xs.Length; i++)
            if (double.IsFinite(xs[i]) && double.IsFinite(ys[i])) points.Add(new SKPoint(Axes.GetPixelX(xs[i]), Axes.GetPixelY(ys[i])));
        if (points.Count == 0) return;
        using var paint = new SKPaint
        {
            IsAntialias = true,
            Color = Color.ToSKColor(),
            Style = SKPaintStyle.Stroke,
            StrokeCap = SKStrokeCap.Round,
            StrokeWidth = Diameter,
        };
        rp.Canvas.DrawPoints(SKPointMode.Points, [.. points], paint);
    }
}
