using Fixpoint.Numerics;
using static Fixpoint.Tests.Kernels.KernelReference;

namespace Fixpoint.Tests.Kernels;

/// <summary>Issue 4: the affine kernel is bit-exact against the scalar fma chain on every path and layout.</summary>
public class AffineKernelTests
{
    private static void CheckAll(int rows, int inputs, int outputs, ulong seed, int depthBlock = AffineKernel.DefaultDepthBlock, int panelBlock = 0)
    {
        double[] x = Random(rows * inputs, seed);
        double[] w = Random(outputs * inputs, seed + 1);
        double[] b = Random(outputs, seed + 2);
        double[] expected = Affine(x, rows, inputs, w, b, outputs);
        double[] wt = Transpose(w, outputs, inputs);
        foreach (KernelPath path in Paths)
        {
            var z = new double[rows * outputs];
            AffineKernel.Rows(path, x, rows, inputs, AffineKernel.Plain<double>(path, wt, b, inputs, outputs), z, outputs, default, depthBlock, panelBlock);
            BitEqual(expected, z, $"plain {path} rows={rows} in={inputs} out={outputs} kc={depthBlock} pb={panelBlock}");

            var packed = new PackedLayer<double>(path, inputs, outputs, w, b);
            Array.Clear(z);
            AffineKernel.Rows(path, x, rows, inputs, packed.View, z, outputs, new double[packed.TileLength], depthBlock, panelBlock);
            BitEqual(expected, z, $"packed {path} rows={rows} in={inputs} out={outputs} kc={depthBlock} pb={panelBlock}");
        }
    }

    [Fact]
    public void EveryRowCountFrom0To67AndEveryWidthFrom1To40()
    {
        for (int width = 1; width <= 40; width++)
            for (int rows = 0; rows <= 67; rows++)
                CheckAll(rows, width, width, (ulong)(width * 100 + rows));
    }

    [Fact]
    public void RectangularLayers()
    {
        for (int inputs = 1; inputs <= 40; inputs++)
            for (int outputs = 1; outputs <= 40; outputs++)
                foreach (int rows in new[] { 1, 7, 13 })
                    CheckAll(rows, inputs, outputs, (ulong)(inputs * 1000 + outputs * 10 + rows));
    }

    [Theory]
    [InlineData(100, 256, 256)]
    [InlineData(37, 600, 300)]
    [InlineData(13, 1030, 17)]
    [InlineData(7, 64, 1000)]
    [InlineData(4096, 16, 16)]
    public void LargeShapes(int rows, int inputs, int outputs) => CheckAll(rows, inputs, outputs, 99);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    public void DepthBlocksContinueTheSameChain(int depthBlock)
    {
        CheckAll(19, 70, 45, 5, depthBlock);
        CheckAll(6, 33, 64, 6, depthBlock);
    }

    /// <summary>
    /// Cache blocks (a block of panels × a depth block shared by every strip of the call) resume the
    /// same chains: forced on small shapes, with a spilled last panel, a scalar tail and odd row counts.
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 3)]
    [InlineData(2, 7)]
    [InlineData(3, 64)]
    public void CacheBlocksContinueTheSameChain(int panelBlock, int depthBlock)
    {
        CheckAll(19, 70, 45, 7, depthBlock, panelBlock);
        CheckAll(13, 33, 129, 8, depthBlock, panelBlock);
        CheckAll(6, 40, 64, 9, depthBlock, panelBlock);
        CheckAll(1, 17, 100, 10, depthBlock, panelBlock);
    }

    /// <summary>A layer wider than the cache budget takes the blocked path on its own (and a single strip does not).</summary>
    [Fact]
    public void WideLayersChooseCacheBlocks()
    {
        KernelPath path = AffineKernel.Best;
        var wide = new PackedLayer<double>(path, 600, 300, new double[600 * 300], new double[300]);
        Assert.True(AffineKernel.PanelBlock(wide.View, 37, AffineKernel.DefaultDepthBlock, 0, sizeof(double)) > 0);
        Assert.Equal(0, AffineKernel.PanelBlock(wide.View, AffineKernel.StripRows, AffineKernel.DefaultDepthBlock, 0, sizeof(double)));
        var narrow = new PackedLayer<double>(path, 64, 64, new double[64 * 64], new double[64]);
        Assert.Equal(0, AffineKernel.PanelBlock(narrow.View, 100, AffineKernel.DefaultDepthBlock, 0, sizeof(double)));
        CheckAll(37, 600, 300, 11);
        CheckAll(50, 300, 600, 12);
    }

    [Fact]
    public void Float32KernelIsTheFloatFmaChain()
    {
        foreach (var (rows, inputs, outputs) in new[] { (0, 3, 3), (1, 1, 1), (5, 17, 23), (13, 40, 40), (67, 33, 9), (50, 256, 256), (9, 600, 70) })
        {
            float[] x = ToSingle(Random(rows * inputs, 11));
            double[] wd = Random(outputs * inputs, 12), bd = Random(outputs, 13);
            float[] w = ToSingle(wd), b = ToSingle(bd);
            float[] expected = Affine(x, rows, inputs, w, b, outputs);
            float[] wt = Transpose(w, outputs, inputs);
            foreach (KernelPath path in Paths)
            {
                var z = new float[rows * outputs];
                AffineKernel.Rows(path, x, rows, inputs, AffineKernel.Plain<float>(path, wt, b, inputs, outputs), z, outputs, default);
                BitEqual(expected, z, $"plain f32 {path} {rows}×{inputs}→{outputs}");
                var packed = new PackedLayer<float>(path, inputs, outputs, wd, bd);
                Array.Clear(z);
                AffineKernel.Rows(path, x, rows, inputs, packed.View, z, outputs, new float[packed.TileLength]);
                BitEqual(expected, z, $"packed f32 {path} {rows}×{inputs}→{outputs}");
                if (rows > 0)
                {
                    Array.Clear(z);
                    AffineKernel.Rows(path, x, rows, inputs, packed.View, z, outputs, new float[packed.TileLength], depthBlock: 5);
                    BitEqual(expected, z, $"packed f32 kc=5 {path} {rows}×{inputs}→{outputs}");
                    Array.Clear(z);
                    AffineKernel.Rows(path, x, rows, inputs, packed.View, z, outputs, new float[packed.TileLength], depthBlock: 5, panelBlock: 1);
                    BitEqual(expected, z, $"packed f32 kc=5 pb=1 {path} {rows}×{inputs}→{outputs}");
                    Array.Clear(z);
                    AffineKernel.Rows(path, x, rows, inputs, AffineKernel.Plain<float>(path, wt, b, inputs, outputs), z, outputs, default, depthBlock: 7, panelBlock: 2);
                    BitEqual(expected, z, $"plain f32 kc=7 pb=2 {path} {rows}×{inputs}→{outputs}");
                }
            }
        }
    }

    [Fact]
    public void PublicGemmMatchesTheReference()
    {
        int rows = 23, inputs = 31, outputs = 29;
        double[] x = Random(rows * inputs, 21), w = Random(outputs * inputs, 22), b = Random(outputs, 23);
        var z = new double[rows * outputs];
        Gemm.AffineRows(x, rows, inputs, Transpose(w, outputs, inputs), outputs, b, z);
        BitEqual(Affine(x, rows, inputs, w, b, outputs), z, "Gemm.AffineRows");
    }

    [Fact]
    public void ShortSpansAreRejected()
    {
        var x = new double[10];
        Assert.Throws<ArgumentException>(() => Gemm.AffineRows(x, 3, 4, new double[16], 4, new double[4], new double[12]));
        Assert.Throws<ArgumentException>(() => Gemm.AffineRows(new double[12], 3, 4, new double[15], 4, new double[4], new double[12]));
        Assert.Throws<ArgumentException>(() => Gemm.AffineRows(new double[12], 3, 4, new double[16], 4, new double[4], new double[11]));
    }
}
