namespace Fixpoint.Census;

/// <summary>
/// What a census allocates for its inputs' sizes, estimated before it starts so that a mistyped --starts or
/// width is refused in a line instead of by the operating system. The estimate is an upper bound in practice:
/// the solvers keep a few rows per start (the start, the iterate, F(x), Anderson's history of
/// <see cref="RowsPerStart"/> − 4 rows), and stability analysis holds a few dense N × N matrices at a time.
/// </summary>
public static class CensusMemory
{
    /// <summary>float64 rows of length N kept per start, at most.</summary>
    public const int RowsPerStart = 16;

    /// <summary>Dense N × N matrices alive at once per fixed point analysed (J, its LU or Hessenberg copy, eigenvector work).</summary>
    public const int DenseMatrices = 4;

    /// <summary>Bytes for <paramref name="starts"/> starts in dimension <paramref name="dimension"/> on up to <paramref name="threads"/> threads.</summary>
    public static double Bytes(int dimension, long starts, int threads) =>
        8.0 * dimension * starts * RowsPerStart + 8.0 * dimension * dimension * DenseMatrices * Math.Max(1, threads);

    /// <summary>The largest number of float64 values one .NET array holds; starts × N must stay below it.</summary>
    public static long MaxValues => Array.MaxLength;
}
