using System.Text.Json;
using System.Text.Json.Serialization;
using Fixpoint.Census;
using Fixpoint.Certify;

namespace Fixpoint.IO;

/// <summary>Where a certified fixed point came from.</summary>
public enum CertifiedSource
{
    /// <summary>A census's fixed point, certified by Krawczyk around it.</summary>
    Census,
    /// <summary>Found and proved by the enumeration of a box.</summary>
    Enumeration,
}

/// <summary>
/// certify.json, field by field (docs/certify.md describes every one): this record is the file's only
/// definition, written by <see cref="Write(string, CertifyFile)"/> and read back by <see cref="Read"/>;
/// <see cref="From"/> maps the certificates onto it. <see cref="Enumeration"/> and <see cref="Region"/> are absent when not run.
/// </summary>
/// <param name="ProvenCount">The number of fixed points in the enumeration box when nothing is undecided, else null (also without an enumeration).</param>
public sealed record CertifyFile(
    string Format,
    int Dimension,
    IReadOnlyList<CertifiedPoint> Certified,
    IReadOnlyList<NotCertifiedPoint> NotCertified,
    IReadOnlyList<UndecidedRegion> Undecided,
    int? ProvenCount,
    [property: JsonPropertyOrder(2)] double ElapsedSeconds) : ResultFile(Format)
{
    public const string FormatName = "fixpoint-certify/1";

    [JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public EnumerationSummary? Enumeration { get; init; }

    [JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RegionSummary? Region { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = ResultJson.Options();

    /// <summary>
    /// The file model of one certify run: Krawczyk's verdict for each census point (<paramref name="around"/>),
    /// the region certificate and the enumeration, each when it was run.
    /// </summary>
    public static CertifyFile From(string fixpointVersion, string command, string network, int dimension,
        IReadOnlyList<(CensusFixedPoint Point, KrawczykResult Result)> around, RegionCertificateResult? region, EnumerationResult? enumeration, double seconds)
    {
        ArgumentNullException.ThrowIfNull(around);
        var certified = new List<CertifiedPoint>();
        foreach (var (p, r) in around.Where(a => a.Result.Status == CertificateStatus.Unique))
            certified.Add(new CertifiedPoint(CertifiedSource.Census, r.Center, p.Stability, p.SpectralRadius, r.LargestRadius, r.LargestBox!, r.Enclosure!)
            {
                Residual = r.CenterResidual,
                MinRadius = r.SmallestRadius,
            });
        if (enumeration is not null)
            foreach (CertifiedFixedPoint f in enumeration.FixedPoints)
                certified.Add(new CertifiedPoint(CertifiedSource.Enumeration, f.Point, f.Stable ? Stability.Stable : Stability.Unstable, f.SpectralRadius,
                    f.UniqueBox.Max(i => (i.Hi - i.Lo) / 2), f.UniqueBox, f.Enclosure));
        var notCertified = around.Where(a => a.Result.Status != CertificateStatus.Unique)
            .Select(a => new NotCertifiedPoint(a.Point.X, a.Result.Status,
                a.Result.Status == CertificateStatus.Excluded ? a.Result.Status.Message() : a.Result.Reason.Message(), a.Result.ExcludedRadius))
            .ToList();
        var undecided = enumeration?.Undecided.Select(u => new UndecidedRegion(u.Box, u.Reason.Message())).ToList() ?? [];
        EnumerationSummary? e = enumeration is null ? null
            : new EnumerationSummary(enumeration.Domain, enumeration.Status, enumeration.BoxesExamined, enumeration.ExcludedFraction, enumeration.Elapsed.TotalSeconds);
        RegionSummary? g = region is null ? null
            : new RegionSummary(region.Status, region.Region, region.Image, region.K, region.MaxRowNorm, region.RowNorms, region.Diameter, region.Layers,
                region.APrioriBound, region.Violations.Select(RegionViolationEntry.From).ToList());
        return new CertifyFile(FormatName, dimension, certified, notCertified, undecided, enumeration?.ProvenCount, seconds)
        {
            FixpointVersion = fixpointVersion, Command = command, Network = network, Enumeration = e, Region = g,
        };
    }

    /// <summary>Writes certify.json atomically.</summary>
    public static void Write(string path, CertifyFile file) => ResultJson.Write(path, file, JsonOptions);

    public static void Write(Stream stream, CertifyFile file) => JsonSerializer.Serialize(stream, file, JsonOptions);

    /// <summary>Reads certify.json; a file that is not one (or lacks a field) is a <see cref="ModelFormatException"/> naming it.</summary>
    public static CertifyFile Read(string path) => ResultJson.Read<CertifyFile>(path, FormatName, JsonOptions);
}

/// <summary>
/// A fixed point proved to exist, unique in <see cref="Box"/> (of ∞-radius <see cref="Radius"/>) and inside
/// <see cref="Enclosure"/>. <see cref="Residual"/> and <see cref="MinRadius"/> (the smallest certified radius)
/// are given for census points only.
/// </summary>
public sealed record CertifiedPoint(
    [property: JsonPropertyOrder(0)] CertifiedSource Source,
    [property: JsonPropertyOrder(1)] double[] X,
    [property: JsonPropertyOrder(3)] Stability Stability,
    [property: JsonPropertyOrder(4)] double SpectralRadius,
    [property: JsonPropertyOrder(5)] double Radius,
    [property: JsonPropertyOrder(7)] Interval[] Box,
    [property: JsonPropertyOrder(8)] Interval[] Enclosure)
{
    [JsonPropertyOrder(2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Residual { get; init; }

    [JsonPropertyOrder(6), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? MinRadius { get; init; }
}

/// <summary>A census point Krawczyk could not certify: <see cref="Status"/> is unknown or excluded, <see cref="Reason"/> says why in words.</summary>
public sealed record NotCertifiedPoint(double[] X, CertificateStatus Status, string Reason, double ExcludedRadius);

/// <summary>An enumeration box that was neither excluded nor certified, with the reason in words.</summary>
public sealed record UndecidedRegion(Interval[] Box, string Reason);

/// <summary>How the enumeration of <see cref="Domain"/> went; <see cref="Status"/> is spelled as its C# name (Complete, Incomplete, Cancelled).</summary>
public sealed record EnumerationSummary(
    Interval[] Domain,
    [property: JsonConverter(typeof(JsonStringEnumConverter<EnumerationStatus>))] EnumerationStatus Status,
    int BoxesExamined,
    double ExcludedFraction,
    double Seconds);

/// <summary>The region certificate (see <see cref="RegionCertificateResult"/>).</summary>
public sealed record RegionSummary(
    RegionStatus Status,
    Interval[] Region,
    Interval[] Image,
    [property: JsonPropertyName("K")] double K,
    double MaxRowNorm,
    double[] RowNorms,
    double Diameter,
    int Layers,
    double APrioriBound,
    IReadOnlyList<RegionViolationEntry> Violations);

/// <summary>One failed condition: the <see cref="Coordinate"/> (inclusion) or the <see cref="Row"/> (contraction) and by how much.</summary>
public sealed record RegionViolationEntry(
    [property: JsonPropertyOrder(0)] RegionCondition Condition,
    [property: JsonPropertyOrder(2)] double Excess,
    [property: JsonPropertyOrder(2)] string Message)
{
    [JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Coordinate { get; init; }

    [JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Row { get; init; }

    public static RegionViolationEntry From(RegionViolation v) => v.Condition == RegionCondition.Inclusion
        ? new(v.Condition, v.Excess, v.ToString()) { Coordinate = v.Index }
        : new(v.Condition, v.Excess, v.ToString()) { Row = v.Index };
}
