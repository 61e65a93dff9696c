using Fixpoint.Maps;
using Fixpoint.Solvers;
using static Fixpoint.Tests.Kernels.KernelReference;

namespace Fixpoint.Tests.Kernels;

/// <summary>Issue 4: the float32 mode is deterministic and within its documented distance of float64.</summary>
public class Float32Tests
{
    /// <summary>The bound the Network docs state for |F₃₂(x) − F(x)|∞ at N = 256, L = 4 with O(1) weights.</summary>
    private const double Float32Tolerance = 1e-4;

    [Theory]
    [InlineData(16, 4)]
    [InlineData(64, 4)]
    [InlineData(256, 4)]
    public void Float32IsCloseToFloat64(int n, int depth)
    {
        Network net = RandomNetwork(n, depth);
        int count = 200;
        double[] x = Random(count * n, 5);
        var y = new double[x.Length];
        net.EvaluateBatch(x, y, count);
        float[] xf = ToSingle(x);
        var yf = new float[xf.Length];
        net.EvaluateBatch(xf, yf, count);
        double worst = 0;
        for (int i = 0; i < y.Length; i++) worst = Math.Max(worst, Math.Abs(y[i] - yf[i]));
        Assert.True(worst <= Float32Tolerance, $"max |F32 − F64| = {worst:E3}");
        Assert.True(worst > 0, "float32 cannot equal float64 everywhere");
    }

    [Fact]
    public void Float32RowsAreDeterministic()
    {
        Network net = RandomNetwork(40, 3);
        int count = 500;
        float[] x = ToSingle(Random(count * 40, 6));
        var serial = new float[x.Length];
        net.EvaluateBatch(x, serial, count);
        var parallel = new float[x.Length];
        net.EvaluateBatchParallel(x, parallel, count, 3);
        BitEqual(serial, parallel, "parallel f32");
        var one = new float[40];
        net.EvaluateBatch(x.AsSpan(123 * 40, 40), one, 1);
        BitEqual(serial.AsSpan(123 * 40, 40), one, "row 123 alone");
    }

    [Fact]
    public void Float32MapSolvesToFloatAccuracy()
    {
        Network net = RandomNetwork(32, 4);
        var map = new Float32Map(net);
        double[] x0 = Random(20 * 32, 8);
        BatchResult r32 = new PicardSolver().SolveBatch(map, x0, 20, new SolveOptions { Atol = 1e-5 });
        BatchResult r64 = new PicardSolver().SolveBatch(net, x0, 20, new SolveOptions { Atol = 1e-12 });
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(SolveStatus.Converged, r32.Results[i]!.Status);
            Assert.Equal(SolveStatus.Converged, r64.Results[i]!.Status);
            double d = 0;
            for (int j = 0; j < 32; j++) d = Math.Max(d, Math.Abs(r32.Results[i]!.X[j] - r64.Results[i]!.X[j]));
            Assert.True(d < 1e-4, $"start {i}: float32 fixed point is {d:E2} from float64's");
        }
    }
}
