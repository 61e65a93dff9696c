namespace Fixpoint.Numerics;

/// <summary>The thread-count convention of the dense routines: a threads argument ≤ 0 means every core.</summary>
internal static class Workers
{
    /// <summary>The workers a threads argument asks for: <paramref name="threads"/>, or all cores when it is ≤ 0.</summary>
    public static int For(int threads) => threads <= 0 ? Environment.ProcessorCount : threads;
}
