using Fixpoint.Census;
using Fixpoint.IO;
using Fixpoint.Maps;

namespace Fixpoint.Tests.Interop;

public class OnnxMapTests
{
    [Theory]
    [InlineData("tanh_mlp.onnx", 4, 1e-6)]
    [InlineData("tanh_mlp_f64.onnx", 4, 1e-14)]
    [InlineData("tanh_mlp_batch1.onnx", 4, 1e-6)]
    [InlineData("sigmoid_matmul.onnx", 3, 1e-6)]
    [InlineData("leaky_gemm.onnx", 2, 1e-6)]
    [InlineData("tanh_mul.onnx", 4, 1e-6)]
    [InlineData("tanh_rank3.onnx", 4, 1e-6)]
    [InlineData("torch_sequential.onnx", 4, 1e-6)]
    [InlineData("tanh_cycle_f64.onnx", 1, 1e-14)]
    public void OnnxRuntimeAgreesWithNumPy(string file, int n, double tol)
    {
        using OnnxMap map = OnnxMap.Load(Fixtures.Path(file));
        Assert.Equal(n, map.Dimension);
        var (xs, ys) = Fixtures.Expected(file);
        var flat = xs.SelectMany(r => r).ToArray();
        var batch = new double[flat.Length];
        map.EvaluateBatch(flat, batch, xs.Length);
        var y = new double[n];
        for (int k = 0; k < xs.Length; k++)
        {
            // NumPy evaluated at the float64 point; a float32 model reads it rounded, so compare within tol.
            map.Evaluate(xs[k], y);
            for (int i = 0; i < n; i++)
            {
                Assert.True(Math.Abs(y[i] - ys[k][i]) <= tol, $"{file} point {k} output {i}: {y[i]} vs NumPy {ys[k][i]}");
                Assert.True(Math.Abs(batch[k * n + i] - y[i]) <= tol, $"{file} point {k}: batch and single evaluations differ");
            }
        }
    }

    [Fact]
    public void ShapesAndPrecisionAreReadFromTheModel()
    {
        using (OnnxMap m = OnnxMap.Load(Fixtures.Path("tanh_mlp.onnx")))
        {
            Assert.True(m.HasBatchDimension);
            Assert.Equal(0, m.FixedBatch);
            Assert.True(m.IsFloat32);
            Assert.False(m.HasExactJacobian);
            Assert.Equal(Math.ScaleB(1.0, -23), m.MachineEpsilon);
        }
        using (OnnxMap m = OnnxMap.Load(Fixtures.Path("tanh_mlp_batch1.onnx"))) Assert.Equal(1, m.FixedBatch);
        using (OnnxMap m = OnnxMap.Load(Fixtures.Path("tanh_mlp_f64.onnx"))) Assert.False(m.IsFloat32);
    }

    [Theory]
    [InlineData("garbage.onnx", "ONNX Runtime cannot load it")]
    [InlineData("two_inputs.onnx", "2 inputs (x, z)")]
    [InlineData("not_square.onnx", "a map needs equal sizes")]
    [InlineData("no-such-model.onnx", "no such file")]
    public void BadModelsAreRefusedWithOneLine(string file, string reason)
    {
        var e = Assert.Throws<ModelFormatException>(() => OnnxMap.Load(Fixtures.Path(file)));
        Assert.Contains(reason, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>The float64 twin: central differences within their own error estimate of the exact chain-rule Jacobian, and within 1e-8.</summary>
    [Theory]
    [InlineData("tanh_mlp_f64.onnx", 1e-8)]
    [InlineData("tanh_mlp.onnx", 1e-2)]
    public void CentralDifferencesStayWithinTheirErrorEstimate(string file, double absolute)
    {
        using OnnxMap map = OnnxMap.Load(Fixtures.Path(file));
        Network exact = ModelFile.Load(Fixtures.Path("tanh_mlp.safetensors"));
        int n = map.Dimension;
        var rng = new Random(3);
        var jEst = new double[n * n];
        var err = new double[n * n];
        var jTrue = new double[n * n];
        for (int trial = 0; trial < 10; trial++)
        {
            // Points a float32 model reads exactly, so both maps are evaluated at the same x.
            double[] x = Enumerable.Range(0, n).Select(_ => (double)(float)(rng.NextDouble() * 3 - 1.5)).ToArray();
            map.Jacobian(x, jEst, err);
            exact.Jacobian(x, jTrue);
            for (int k = 0; k < n * n; k++)
            {
                double actual = Math.Abs(jEst[k] - jTrue[k]);
                Assert.True(actual <= err[k], $"{file} entry {k}: actual error {actual:g3} above the estimate {err[k]:g3}");
                Assert.True(actual <= absolute, $"{file} entry {k}: actual error {actual:g3}");
            }
            var plain = new double[n * n];
            map.Jacobian(x, plain);
            Assert.Equal(jEst, plain);
        }
    }

    [Fact]
    public void DirectionalDerivativeMatchesTheJacobian()
    {
        using OnnxMap map = OnnxMap.Load(Fixtures.Path("tanh_mlp_f64.onnx"));
        Network exact = ModelFile.Load(Fixtures.Path("tanh_mlp.safetensors"));
        double[] x = [0.3, -0.2, 0.9, -1.1], v = [1, 0.5, -2, 0.25];
        var a = new double[4];
        var b = new double[4];
        map.JacobianVector(x, v, a);
        exact.JacobianVector(x, v, b);
        for (int i = 0; i < 4; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-8, $"{a[i]} vs {b[i]}");
    }

    /// <summary>IMap implementations must be thread-safe: one session evaluated from many threads gives the sequential answers.</summary>
    [Fact]
    public void OneSessionServesManyThreads()
    {
        using OnnxMap map = OnnxMap.Load(Fixtures.Path("tanh_mlp.onnx"));
        int n = map.Dimension, count = 64;
        var rng = new Random(11);
        double[] xs = Enumerable.Range(0, count * n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var seq = new double[count * n];
        for (int k = 0; k < count; k++) map.Evaluate(xs.AsSpan(k * n, n), seq.AsSpan(k * n, n));
        var par = new double[count * n];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, k => map.Evaluate(xs.AsSpan(k * n, n), par.AsSpan(k * n, n)));
        Assert.Equal(seq, par);
    }

    [Fact]
    public void FiniteDifferencesOfANativeNetworkCoverTheExactJacobian()
    {
        Network net = ModelFile.Load(Fixtures.Path("torch_sequential.safetensors"), Activation.Parse("tanh"));
        double[] x = [0.4, -0.7, 1.2, 0.1];
        var j = new double[16];
        var e = new double[16];
        var exact = new double[16];
        FiniteDifferenceJacobian.Estimate(net, x, j, e, Math.ScaleB(1.0, -52), v => v);
        net.Jacobian(x, exact);
        for (int k = 0; k < 16; k++)
        {
            Assert.True(Math.Abs(j[k] - exact[k]) <= e[k], $"entry {k}: actual error {Math.Abs(j[k] - exact[k]):g3}, estimate {e[k]:g3}");
            Assert.True(e[k] < 1e-7, $"entry {k}: estimate {e[k]}");
        }
    }

    private sealed class FixedJacobianMap(double[] jacobian, double[] error) : IEstimatedJacobian
    {
        public int Dimension => (int)Math.Sqrt(jacobian.Length);
        public double MachineEpsilon => Math.ScaleB(1.0, -23);
        public bool HasExactJacobian => false;
        public void Evaluate(ReadOnlySpan<double> x, Span<double> y) => x.CopyTo(y);
        public void EvaluateBatch(ReadOnlySpan<double> xs, Span<double> ys, int count) => xs[..(count * Dimension)].CopyTo(ys);
        public void Jacobian(ReadOnlySpan<double> x, Span<double> j) => jacobian.CopyTo(j);
        public void Jacobian(ReadOnlySpan<double> x, Span<double> j, Span<double> e) { jacobian.CopyTo(j); error.CopyTo(e); }
        public void JacobianVector(ReadOnlySpan<double> x, ReadOnlySpan<double> v, Span<double> jv) => throw new NotSupportedException();
    }

    private static FixedPointInfo Point(double rho) =>
        new([0.0, 0.0], 0, true, rho, StabilityText.Classify(rho, 1e-6), 0, [], false, 1, 1, (0, 1), FoundBy.Iteration);

    [Fact]
    public void VerdictsWithinTheJacobianErrorAreMarkedUncertain()
    {
        // J = diag(ρ, 0.2): normal, κ₂(V) = 1, so δρ = ‖E‖_F = 0.02 with E = 0.01 on the diagonal.
        double[] err = [0.01, 0, 0, 0.01];
        FixedPointInfo near = StabilityUncertainty.Annotate(Point(0.99), new FixedJacobianMap([0.99, 0, 0, 0.2], err), 1e-6);
        Assert.True(near.StabilityUncertain);
        Assert.Equal(Math.Sqrt(2) * 0.01, near.SpectralRadiusError, 12);
        FixedPointInfo far = StabilityUncertainty.Annotate(Point(0.5), new FixedJacobianMap([0.5, 0, 0, 0.2], err), 1e-6);
        Assert.False(far.StabilityUncertain);
        // An exact map is left alone.
        FixedPointInfo exact = StabilityUncertainty.Annotate(Point(0.99), TestNetworks.Scalar(0.99, 0, "identity"), 1e-6);
        Assert.Equal(0, exact.SpectralRadiusError);
        Assert.False(exact.StabilityUncertain);
        // A non-normal J: the eigenvector condition number widens the error.
        double wide = StabilityUncertainty.RadiusError([0.5, 10, 0, 0.49], [0.001, 0, 0, 0], 2);
        Assert.True(wide > 0.01, $"{wide}");
    }
}
