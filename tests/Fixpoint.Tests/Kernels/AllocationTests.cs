using Fixpoint.Maps;
using Fixpoint.Solvers;
using static Fixpoint.Tests.Kernels.KernelReference;

namespace Fixpoint.Tests.Kernels;

/// <summary>Issue 4: the iteration loops allocate nothing; what a batch allocates is its results.</summary>
public class AllocationTests
{
    [Fact]
    public void EvaluateBatchDoesNotAllocateOnceWarm()
    {
        Network net = RandomNetwork(64, 3);
        double[] x = Random(300 * 64, 1);
        var y = new double[x.Length];
        net.EvaluateBatch(x, y, 300);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) net.EvaluateBatch(x, y, 300);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"{allocated} bytes in 20 batches");
    }

    [Theory]
    [InlineData("picard")]
    [InlineData("anderson")]
    public void SolverIterationsDoNotAllocate(string name)
    {
        // Slowly converging (a contraction close to 1) so that no start finishes within 60 iterations:
        // everything allocated is then the batch's bookkeeping and the 200 results at the end.
        Network net = RandomNetwork(32, 1, "identity", scale: 0.999, seed: 9);
        int count = 200;
        double[] starts = Random(count * 32, 2);
        ISolver solver = SolverSpec.Create(name).Build();
        var options = new SolveOptions { Threads = 1, MaxIterations = 60, Atol = 1e-300, MaxPeriod = 1 };
        solver.SolveBatch(net, starts, count, options);
        long before = GC.GetAllocatedBytesForCurrentThread();
        BatchResult r = solver.SolveBatch(net, starts, count, options);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.All(r.Results, q => Assert.Equal(SolveStatus.MaxIterations, q!.Status));
        long results = count * (32 * sizeof(double) + 200);
        Assert.True(allocated < results + 64 * 1024, $"{name}: {allocated} bytes for 60 iterations of {count} starts (results ≈ {results})");
    }
}
