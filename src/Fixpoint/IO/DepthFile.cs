using System.Text.Json;
using Fixpoint.Spectra;

namespace Fixpoint.IO;

/// <summary>
/// depth.json, field by field (docs/spectrum.md): this record is the file's only definition, written by
/// <see cref="Write(string, DepthFile)"/> and read back by <see cref="Read"/>; <see cref="From"/> maps a
/// <see cref="DepthEnsembleResult"/> onto it.
/// </summary>
/// <param name="Rows">One row per depth (see <see cref="DepthRow"/>).</param>
/// <param name="Records">One record per realisation and depth (see <see cref="DepthRealisation"/>).</param>
public sealed record DepthFile(string Format, bool Partial, IReadOnlyList<DepthRowFile> Rows, IReadOnlyList<DepthRealisation> Records, double ElapsedSeconds)
    : ResultFile(Format)
{
    public const string FormatName = "fixpoint-spectrum-depth/1";

    private static readonly JsonSerializerOptions JsonOptions = ResultJson.Options();

    /// <summary>The file model of <paramref name="r"/>; <paramref name="context"/> gives the provenance strings (see <see cref="ResultFile"/>).</summary>
    public static DepthFile From(DepthEnsembleResult r, IReadOnlyDictionary<string, string>? context, double elapsedSeconds)
    {
        ArgumentNullException.ThrowIfNull(r);
        var file = new DepthFile(FormatName, r.Partial, r.Rows.Select(DepthRowFile.From).ToList(), r.Records, elapsedSeconds);
        return WithProvenance(file, context);
    }

    /// <summary>Writes depth.json atomically.</summary>
    public static void Write(string path, DepthFile file) => ResultJson.Write(path, file, JsonOptions);

    public static void Write(Stream stream, DepthFile file) => JsonSerializer.Serialize(stream, file, JsonOptions);

    /// <summary>Reads depth.json; a file that is not one (or lacks a field) is a <see cref="ModelFormatException"/> naming it.</summary>
    public static DepthFile Read(string path) => ResultJson.Read<DepthFile>(path, FormatName, JsonOptions);
}

/// <summary>One row of depth.json: a <see cref="DepthRow"/> with its Q values as <see cref="Q"/>.</summary>
public sealed record DepthRowFile(int Depth, int Realisations, double MeanQ, double QStdError, int[] Q, double MeanFixedPoints, double MeanCycles,
    double CycleBasin, double UnresolvedBasin, double MeanSpectralRadiusStable, double MeanSpectralRadiusAll, double FractionAboveOneAtFixedPoints,
    double FractionAboveOneAtProbes, double MeanLog10AtProbes)
{
    public static DepthRowFile From(DepthRow r) => new(r.Depth, r.Realisations, r.MeanQ, r.QStdError, r.QValues, r.MeanFixedPoints, r.MeanCycles,
        r.CycleBasin, r.UnresolvedBasin, r.MeanSpectralRadiusStable, r.MeanSpectralRadiusAll, r.FractionAboveOneAtFixedPoints,
        r.FractionAboveOneAtProbes, r.MeanLog10AtProbes);
}
