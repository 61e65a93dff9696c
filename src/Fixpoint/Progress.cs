namespace Fixpoint;

/// <summary>
/// How far long work has got, for progress bars: <paramref name="Done"/> of <paramref name="Total"/> units of the
/// current <paramref name="Phase"/> (such as "solve", "newton", "tasks", "realisations", "boxes", "table").
/// The census, sweeps, spectra, paper reproductions and certify enumeration all report it.
/// </summary>
public sealed record Progress(string Phase, int Done, int Total);

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the calling thread. <see cref="Progress{T}"/> would post each report
/// to the thread pool, where they can arrive out of order or after the work has returned.
/// </summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
