using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fixpoint.Certify;

namespace Fixpoint.IO;

/// <summary>
/// The rules every result file (census.json, certify.json, spectrum.json, depth.json and the application
/// verbs' JSON) is written and read by: camelCase names, indented, enums as camelCase strings unless a file
/// names its own spelling, and the finite-or-null number rule (<see cref="FiniteDoubleConverter"/>).
/// </summary>
public static class ResultJson
{
    /// <summary>
    /// Options for a result file. A constructor parameter without a default is a required field, and a
    /// non-nullable reference may not be null, so a file that lacks a field fails to read and names it.
    /// <paramref name="converters"/> come first (a file's own enum spellings win over camelCase).
    /// </summary>
    public static JsonSerializerOptions Options(params JsonConverter[] converters)
    {
        var o = new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,
            IgnoreReadOnlyProperties = true,
            RespectRequiredConstructorParameters = true,
            RespectNullableAnnotations = true,
            TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine(ResultJsonContext.Default, new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver()),
        };
        foreach (JsonConverter c in converters) o.Converters.Add(c);
        o.Converters.Add(new FiniteDoubleConverter());
        o.Converters.Add(new OptionalFiniteDoubleConverter());
        o.Converters.Add(new PairConverter());
        o.Converters.Add(new ComplexConverter());
        o.Converters.Add(new IntervalConverter());
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

    /// <summary>The JSON spelling of an enum member under the default rule: its name in camelCase.</summary>
    public static string Key<T>(T value) where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> atomically.</summary>
    public static void Write<T>(string path, T value, JsonSerializerOptions options) =>
        AtomicFile.Write(path, s => JsonSerializer.Serialize(s, value, options));

    /// <summary>
    /// Reads a result file whose <c>format</c> field must be <paramref name="format"/>. Any problem — no
    /// file, not JSON, another format, a missing or mistyped field — is a <see cref="ModelFormatException"/>
    /// with one line that names the file.
    /// </summary>
    public static T Read<T>(string path, string format, JsonSerializerOptions options)
    {
        if (!File.Exists(path)) throw new ModelFormatException($"{path}: no such file");
        byte[] bytes = File.ReadAllBytes(path);
        using JsonDocument doc = Parse(path, bytes);
        JsonElement root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new ModelFormatException($"{path} is not a {format} file (not a JSON object)");
        if (!root.TryGetProperty("format", out JsonElement f) || f.ValueKind != JsonValueKind.String)
            throw new ModelFormatException($"{path} is not a {format} file (no format field)");
        if (f.GetString() != format) throw new ModelFormatException($"{path} is a {f.GetString()} file, not {format}");
        try
        {
            // From the bytes rather than the document, so that the error names the line.
            return JsonSerializer.Deserialize<T>(bytes, options) ?? throw new ModelFormatException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path} is not a valid {format} file: {e.Message}");
        }
        catch (ArgumentException e)
        {
            // A value that breaks a record's invariant (an interval with lo > hi, say).
            throw new ModelFormatException($"{path} is not a valid {format} file: {e.Message}");
        }
    }

    /// <summary>
    /// Reads census.json, certify.json, spectrum.json or depth.json, whichever <paramref name="path"/> says it is
    /// by its <c>format</c>; null when it names no format of these (or is not a JSON object). A file of one of
    /// these formats that does not read is a <see cref="ModelFormatException"/>.
    /// </summary>
    public static ResultFile? ReadKnown(string path)
    {
        string? format;
        using (JsonDocument doc = Parse(path, File.ReadAllBytes(path)))
            format = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("format", out JsonElement f)
                && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        return format switch
        {
            CensusFile.FormatName => CensusFile.Read(path),
            CertifyFile.FormatName => CertifyFile.Read(path),
            SpectrumFile.FormatName => SpectrumFile.Read(path),
            DepthFile.FormatName => DepthFile.Read(path),
            _ => null,
        };
    }

    private static JsonDocument Parse(string path, byte[] bytes)
    {
        try { return JsonDocument.Parse(bytes); }
        catch (JsonException e) { throw new ModelFormatException($"{path} is not valid JSON ({e.Message})"); }
    }
}

/// <summary>
/// What every result file begins with: its <see cref="Format"/> name, then where it came from (absent when
/// not given): the fixpoint version, the command line and the network analysed.
/// </summary>
public abstract record ResultFile(string Format)
{
    [JsonPropertyOrder(-4)]
    public string Format { get; init; } = Format;

    [JsonPropertyOrder(-3), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FixpointVersion { get; init; }

    [JsonPropertyOrder(-3), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Command { get; init; }

    [JsonPropertyOrder(-3), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Network { get; init; }

    /// <summary>This file with the provenance strings of <paramref name="context"/> (keys <c>fixpointVersion</c>, <c>command</c>, <c>network</c>; another key is an error).</summary>
    internal static T WithProvenance<T>(T file, IEnumerable<KeyValuePair<string, string>>? context) where T : ResultFile
    {
        ResultFile f = file;
        foreach (var (k, v) in context ?? [])
            f = k switch
            {
                "fixpointVersion" => f with { FixpointVersion = v },
                "command" => f with { Command = v },
                "network" => f with { Network = v },
                _ => throw new ArgumentException($"{file.Format} files have no field '{k}'", nameof(context)),
            };
        return (T)f;
    }
}

/// <summary>
/// Doubles are written so they read back bit for bit (shortest round-trip form), and a value that is not
/// finite (NaN, ±∞: JSON has no spelling for them) is written as null, which reads back as NaN.
/// </summary>
public sealed class FiniteDoubleConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (double.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteNullValue();
    }
}

/// <summary>
/// An optional number: absent when null (with <see cref="JsonIgnoreCondition.WhenWritingNull"/>), and a
/// present null is a non-finite value (NaN), so a file reads back to the same bytes.
/// </summary>
public sealed class OptionalFiniteDoubleConverter : JsonConverter<double?>
{
    public override bool HandleNull => true;

    public override double? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

    public override void Write(Utf8JsonWriter writer, double? value, JsonSerializerOptions options)
    {
        if (value is double v && double.IsFinite(v)) writer.WriteNumberValue(v);
        else writer.WriteNullValue();
    }
}

/// <summary>A pair (lo, hi) as [lo, hi], under the finite-or-null rule.</summary>
public sealed class PairConverter : JsonConverter<(double, double)>
{
    public override (double, double) Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        double[] v = Json.ReadPair(ref reader, "[lo, hi]");
        return (v[0], v[1]);
    }

    public override void Write(Utf8JsonWriter writer, (double, double) value, JsonSerializerOptions options) =>
        Json.WritePair(writer, value.Item1, value.Item2);
}

/// <summary>A complex number as [re, im], under the finite-or-null rule.</summary>
public sealed class ComplexConverter : JsonConverter<Complex>
{
    public override Complex Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        double[] v = Json.ReadPair(ref reader, "[re, im]");
        return new Complex(v[0], v[1]);
    }

    public override void Write(Utf8JsonWriter writer, Complex value, JsonSerializerOptions options) =>
        Json.WritePair(writer, value.Real, value.Imaginary);
}

/// <summary>An interval as [lo, hi]; an infinite bound is written null and reads back as −∞ (lo) or +∞ (hi).</summary>
public sealed class IntervalConverter : JsonConverter<Interval>
{
    public override Interval Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        double[] v = Json.ReadPair(ref reader, "[lo, hi]");
        return new Interval(double.IsNaN(v[0]) ? double.NegativeInfinity : v[0], double.IsNaN(v[1]) ? double.PositiveInfinity : v[1]);
    }

    public override void Write(Utf8JsonWriter writer, Interval value, JsonSerializerOptions options) =>
        Json.WritePair(writer, value.Lo, value.Hi);
}

/// <summary>
/// An enum spelled by a file's own keys (such as <c>fixed-points</c>), given as a function from member to key;
/// reading inverts it over the members.
/// </summary>
public class KeyedEnumConverter<T>(Func<T, string> key) : JsonConverter<T> where T : struct, Enum
{
    private readonly Dictionary<string, T> _byKey = Enum.GetValues<T>().ToDictionary(key, v => v, StringComparer.Ordinal);

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? s = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (s is not null && _byKey.TryGetValue(s, out T v)) return v;
        throw new JsonException($"'{s}' is not one of {string.Join(", ", _byKey.Keys)}");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(key(value));
}

file static class Json
{
    public static double[] ReadPair(ref Utf8JsonReader reader, string shape)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException($"expected {shape}");
        var v = new double[2];
        for (int i = 0; i < 2; i++)
        {
            if (!reader.Read() || reader.TokenType is not (JsonTokenType.Number or JsonTokenType.Null)) throw new JsonException($"expected {shape}");
            v[i] = reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();
        }
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray) throw new JsonException($"expected {shape}");
        return v;
    }

    public static void WritePair(Utf8JsonWriter w, double a, double b)
    {
        w.WriteStartArray();
        Finite(w, a);
        Finite(w, b);
        w.WriteEndArray();
    }

    private static void Finite(Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v)) w.WriteNumberValue(v);
        else w.WriteNullValue();
    }
}
