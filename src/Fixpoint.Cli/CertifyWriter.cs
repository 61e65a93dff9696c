using System.CommandLine;
using System.Text.Json;
using Fixpoint.IO;
using Fixpoint.Certify;
using Fixpoint.Maps;

namespace Fixpoint.Cli;

/// <summary>certify.json (docs/certify.md lists every field).</summary>
internal static class CertifyWriter
{
    public static void Write(Stream stream, ParseResult p, string description, Network network,
        List<(double[] X, KrawczykResult R, JsonElement Source)> around, RegionCertificateResult? region, EnumerationResult? enumeration, double seconds)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("format", "fixpoint-certify/1");
        w.WriteString("fixpointVersion", FixpointCli.Version);
        w.WriteString("command", "fixpoint " + string.Join(' ', p.Tokens.Select(t => t.Value)));
        w.WriteString("network", description);
        w.WriteNumber("dimension", network.Dimension);

        w.WriteStartArray("certified");
        foreach (var (x, r, src) in around.Where(a => a.R.Status == CertificateStatus.Unique))
        {
            w.WriteStartObject();
            w.WriteString("source", "census");
            w.WriteFiniteArray("x", r.Center);
            w.WriteFiniteNumber("residual", r.CenterResidual);
            if (src.TryGetProperty("stability", out var st)) w.WriteString("stability", st.GetString());
            if (src.TryGetProperty("spectralRadius", out var sr) && sr.ValueKind == JsonValueKind.Number) w.WriteFiniteNumber("spectralRadius", sr.GetDouble());
            w.WriteFiniteNumber("radius", r.LargestRadius);
            w.WriteFiniteNumber("minRadius", r.SmallestRadius);
            Box(w, "box", r.LargestBox!);
            Box(w, "enclosure", r.Enclosure!);
            w.WriteEndObject();
        }
        if (enumeration is not null)
            foreach (CertifiedFixedPoint f in enumeration.FixedPoints)
            {
                w.WriteStartObject();
                w.WriteString("source", "enumeration");
                w.WriteFiniteArray("x", f.Point);
                w.WriteFiniteNumber("spectralRadius", f.SpectralRadius);
                w.WriteString("stability", f.SpectralRadius < 1 ? "stable" : "unstable");
                w.WriteFiniteNumber("radius", f.UniqueBox.Max(i => (i.Hi - i.Lo) / 2));
                Box(w, "box", f.UniqueBox);
                Box(w, "enclosure", f.Enclosure);
                w.WriteEndObject();
            }
        w.WriteEndArray();

        w.WriteStartArray("notCertified");
        foreach (var (x, r, _) in around.Where(a => a.R.Status != CertificateStatus.Unique))
        {
            w.WriteStartObject();
            w.WriteFiniteArray("x", x);
            w.WriteString("status", r.Status.Key());
            w.WriteString("reason", r.Status == CertificateStatus.Excluded ? r.Status.Message() : r.Reason.Message());
            w.WriteFiniteNumber("excludedRadius", r.ExcludedRadius);
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartArray("undecided");
        if (enumeration is not null)
            foreach (UndecidedBox u in enumeration.Undecided)
            {
                w.WriteStartObject();
                Box(w, "box", u.Box);
                w.WriteString("reason", u.Reason.Message());
                w.WriteEndObject();
            }
        w.WriteEndArray();
        if (enumeration?.ProvenCount is int pc) w.WriteNumber("provenCount", pc);
        else w.WriteNull("provenCount");

        if (enumeration is not null)
        {
            w.WriteStartObject("enumeration");
            Box(w, "domain", enumeration.Domain);
            w.WriteString("status", enumeration.Status.ToString());
            w.WriteNumber("boxesExamined", enumeration.BoxesExamined);
            w.WriteFiniteNumber("excludedFraction", enumeration.ExcludedFraction);
            w.WriteFiniteNumber("seconds", enumeration.Elapsed.TotalSeconds);
            w.WriteEndObject();
        }
        if (region is not null)
        {
            w.WriteStartObject("region");
            w.WriteString("status", region.Certified ? "certified" : "failed");
            Box(w, "region", region.Region);
            Box(w, "image", region.Image);
            w.WriteFiniteNumber("K", region.K);
            w.WriteFiniteNumber("maxRowNorm", region.MaxRowNorm);
            w.WriteFiniteArray("rowNorms", region.RowNorms);
            w.WriteFiniteNumber("diameter", region.Diameter);
            w.WriteNumber("layers", region.Layers);
            w.WriteFiniteNumber("aPrioriBound", region.APrioriBound);
            w.WriteStartArray("violations");
            foreach (RegionViolation v in region.Violations)
            {
                w.WriteStartObject();
                w.WriteString("condition", v.Condition == RegionCondition.Inclusion ? "inclusion" : "contraction");
                w.WriteNumber(v.Condition == RegionCondition.Inclusion ? "coordinate" : "row", v.Index);
                w.WriteFiniteNumber("excess", v.Excess);
                w.WriteString("message", v.ToString());
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteFiniteNumber("elapsedSeconds", seconds);
        w.WriteEndObject();
    }

    private static void Box(Utf8JsonWriter w, string name, IEnumerable<Interval> box)
    {
        w.WriteStartArray(name);
        foreach (Interval i in box)
        {
            w.WriteStartArray();
            w.WriteNumberValue(i.Lo);
            w.WriteNumberValue(i.Hi);
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }
}
