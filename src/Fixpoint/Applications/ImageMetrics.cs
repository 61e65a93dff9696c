namespace Fixpoint.Applications;

/// <summary>
/// Image quality on [−1, 1] pixels. MSE = mean of (a − b)²; PSNR = 10·log10(R²/MSE) dB with the
/// peak-to-peak range R = 2, which equals the usual PSNR of the same images on [0, 1] (peak 1).
/// </summary>
public static class ImageMetrics
{
    /// <summary>R, the peak-to-peak pixel range.</summary>
    public const double PixelRange = 2.0;

    /// <summary>Per-image PSNR is capped here (an exact copy would be +∞), so that means stay finite: 60 dB is an error far below one of the digits' 16 grey steps.</summary>
    public const double PsnrCap = 60.0;

    public static double Mse(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("images of different sizes");
        if (a.Length == 0) throw new ArgumentException("empty images");
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return s / a.Length;
    }

    /// <summary>10·log10(R²/MSE), +∞ when MSE = 0.</summary>
    public static double Psnr(double mse) => mse <= 0 ? double.PositiveInfinity : 10.0 * Math.Log10(PixelRange * PixelRange / mse);

    public static double Psnr(ReadOnlySpan<double> a, ReadOnlySpan<double> b) => Psnr(Mse(a, b));

    /// <summary>PSNR capped at <see cref="PsnrCap"/>.</summary>
    public static double CappedPsnr(double mse) => Math.Min(Psnr(mse), PsnrCap);
}

/// <summary>Mean MSE and mean per-image PSNR (capped at <see cref="ImageMetrics.PsnrCap"/>) over a set of images.</summary>
public sealed record Quality(double Mse, double Psnr)
{
    public static Quality Of(IReadOnlyCollection<double> mses) =>
        mses.Count == 0 ? new Quality(double.NaN, double.NaN) : new Quality(mses.Average(), mses.Average(ImageMetrics.CappedPsnr));
}
