using Fixpoint.Maps;
using Fixpoint.Solvers;
using static Fixpoint.Tests.Kernels.KernelReference;

namespace Fixpoint.Tests.Kernels;

/// <summary>Issue 4: batched evaluation is the per-row reference, whatever the batch, the row block or the thread count.</summary>
public class NetworkBatchTests
{
    public static TheoryData<int, int, string, bool, bool> Shapes => new()
    {
        { 1, 1, "tanh", false, false },
        { 3, 2, "logistic", false, false },
        { 16, 4, "tanh", false, false },
        { 37, 3, "relu", false, true },
        { 64, 5, "tanh", true, false },
        { 129, 2, "softplus", false, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BatchEqualsTheRowReferenceBitForBit(int n, int depth, string activation, bool tied, bool residual)
    {
        Network net = RandomNetwork(n, depth, activation, tied, residual);
        foreach (int count in new[] { 0, 1, 5, 6, 7, 67, 301 })
        {
            double[] x = Random(count * n, (ulong)(n + count));
            double[] expected = Reference(net, x, count);
            var y = new double[count * n];
            net.EvaluateBatch(x, y, count);
            BitEqual(expected, y, $"n={n} count={count}");
            if (count > 0)
            {
                var one = new double[n];
                net.Evaluate(x.AsSpan((count - 1) * n, n), one);
                BitEqual(expected.AsSpan((count - 1) * n, n), one, "the last row alone");
            }
        }
    }

    private static double[] Reference(Network net, double[] x, int count) => KernelReference.Network(net, x, count);

    [Fact]
    public void HiddenLayersOfOtherWidths()
    {
        var rng = new Fixpoint.Numerics.Rng(4);
        DenseLayer Layer(int inputs, int outputs) => new(inputs, outputs, Random(inputs * outputs, rng.NextUInt64(), 0.4), Random(outputs, rng.NextUInt64(), 0.1));
        var net = new Network([Layer(10, 33), Layer(33, 5), Layer(5, 10)], Activation.Parse("tanh"));
        double[] x = Random(50 * 10, 8);
        var y = new double[x.Length];
        net.EvaluateBatch(x, y, 50);
        BitEqual(Reference(net, x, 50), y, "10→33→5→10");
    }

    [Fact]
    public void OneThreadAndAllThreadsAndEveryRowBlockGiveTheSameBits()
    {
        Network net = RandomNetwork(48, 3);
        int count = 1000;
        double[] x = Random(count * 48, 77);
        var serial = new double[x.Length];
        net.EvaluateBatch(x, serial, count);
        foreach (int threads in new[] { 1, 2, 3, 0, 16 })
        {
            var y = new double[x.Length];
            net.EvaluateBatchParallel(x, y, count, threads);
            BitEqual(serial, y, $"threads={threads}");
        }
        int saved = net.RowBlock;
        try
        {
            foreach (int block in new[] { 6, 24, 96, 1020 })
            {
                net.RowBlock = block;
                var y = new double[x.Length];
                net.EvaluateBatchParallel(x, y, count, 2);
                BitEqual(serial, y, $"row block {block}");
            }
        }
        finally
        {
            net.RowBlock = saved;
        }
    }

    /// <summary>
    /// Width 300: each layer's weights outgrow the kernel's cache budget, so a row block runs in cache
    /// blocks shared by all its rows; each row is still its own reference, in any batch or row block.
    /// </summary>
    [Fact]
    public void WideLayersInCacheBlocksAreTheReferenceInEveryBatch()
    {
        Network net = RandomNetwork(300, 2, residual: true);
        int count = 40;
        double[] x = Random(count * 300, 78);
        double[] expected = Reference(net, x, count);
        var y = new double[x.Length];
        net.EvaluateBatch(x, y, count);
        BitEqual(expected, y, "batch of 40");
        var one = new double[300];
        net.EvaluateBatch(x.AsSpan(17 * 300, 300), one, 1);
        BitEqual(expected.AsSpan(17 * 300, 300), one, "row 17 alone");
        int saved = net.RowBlock;
        try
        {
            foreach (int block in new[] { 6, 18, 36 })
            {
                net.RowBlock = block;
                Array.Clear(y);
                net.EvaluateBatchParallel(x, y, count, 2);
                BitEqual(expected, y, $"row block {block}");
            }
        }
        finally
        {
            net.RowBlock = saved;
        }
    }

    [Fact]
    public void InPlaceEvaluationEqualsOutOfPlace()
    {
        Network net = RandomNetwork(20, 2);
        double[] x = Random(130 * 20, 9);
        var y = new double[x.Length];
        net.EvaluateBatch(x, y, 130);
        double[] z = (double[])x.Clone();
        net.EvaluateBatch(z, z, 130);
        BitEqual(y, z, "in place");
        double[] p = (double[])x.Clone();
        net.EvaluateBatchParallel(p, p, 130, 2);
        BitEqual(y, p, "in place, parallel");
        // Shifted overlap: outputs written one row below the inputs.
        var buf = new double[131 * 20];
        x.CopyTo(buf, 0);
        net.EvaluateBatch(buf.AsSpan(0, 130 * 20), buf.AsSpan(20, 130 * 20), 130);
        BitEqual(y, buf.AsSpan(20, 130 * 20), "shifted overlap");
    }

    [Fact]
    public void SolversGiveTheSameResultsOnOneThreadAndOnAll()
    {
        Network net = RandomNetwork(24, 3, scale: 1.3);
        int count = 700;
        double[] starts = Random(count * 24, 31);
        foreach (ISolver solver in new ISolver[] { new PicardSolver(), new AndersonSolver() })
        {
            BatchResult one = solver.SolveBatch(net, starts, count, new SolveOptions { Threads = 1, MaxIterations = 300 });
            BatchResult all = solver.SolveBatch(net, starts, count, new SolveOptions { Threads = 0, MaxIterations = 300 });
            Assert.Equal(one.Evaluations, all.Evaluations);
            for (int i = 0; i < count; i++)
            {
                SolveResult a = one.Results[i]!, b = all.Results[i]!;
                Assert.Equal(a.Status, b.Status);
                Assert.Equal(a.Iterations, b.Iterations);
                BitEqual(a.X, b.X, $"{solver.Name} start {i}");
            }
        }
    }
}
