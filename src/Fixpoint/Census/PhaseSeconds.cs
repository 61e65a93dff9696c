namespace Fixpoint.Census;

/// <summary>
/// Wall seconds of each phase of a census: census.json's <c>phaseSeconds</c>. A phase that did not run is 0.
/// The census times the first four; <see cref="Plot"/> is census.png, drawn by the CLI before census.json is
/// written. What lies between the phases (clustering, cycles, ordering) is in no phase, so the first four add up
/// to at most <see cref="CensusResult.ElapsedSeconds"/>.
/// </summary>
/// <param name="Solve">The census solver from every start.</param>
/// <param name="Newton">The unstable pass (<c>--unstable</c>): Newton from the starts.</param>
/// <param name="Polish">Newton polish of each distinct point and the merge of clusters it brings together.</param>
/// <param name="Stability">The spectrum at every fixed point and the multiplier of every cycle.</param>
/// <param name="Plot">census.png.</param>
public sealed record PhaseSeconds(double Solve, double Newton, double Polish, double Stability, double Plot)
{
    public static readonly PhaseSeconds None = new(0, 0, 0, 0, 0);
}
