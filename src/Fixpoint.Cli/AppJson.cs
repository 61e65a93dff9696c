using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Fixpoint.Cli;

/// <summary>The start of an application verb's result file; <see cref="TestCount"/> is the size of the test set used.</summary>
internal sealed record RunHeader(string Format, string Command, string? Model, DataSource Data, SplitSpec Split, int TestCount);

/// <summary>JSON results of the application verbs: camelCase, indented, non-finite numbers as null, written atomically.</summary>
internal static class AppJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        Converters = { new FiniteDoubleConverter(), new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static void Write(string path, object value) =>
        AtomicFile.Write(path, s => JsonSerializer.Serialize(s, value, value.GetType(), Options));

    /// <summary>
    /// A verb's result file: the fields every application verb starts with (format, fixpoint version, command,
    /// the model when there is one, data and split), then the fields of <paramref name="body"/>.
    /// </summary>
    public static void Write(string path, RunHeader header, object body)
    {
        var o = new JsonObject { ["format"] = header.Format, ["fixpointVersion"] = FixpointCli.Version, ["command"] = header.Command };
        if (header.Model is not null) o["model"] = header.Model;
        o["data"] = header.Data.Describe();
        o["split"] = JsonSerializer.SerializeToNode(new { header.Split.TrainCount, header.TestCount, header.Split.Seed }, Options);
        JsonObject fields = JsonSerializer.SerializeToNode(body, body.GetType(), Options)!.AsObject();
        foreach (string key in fields.Select(f => f.Key).ToList())
        {
            fields.Remove(key, out JsonNode? value);
            o[key] = value;
        }
        AtomicFile.Write(path, s =>
        {
            using var w = new Utf8JsonWriter(s, new JsonWriterOptions { Indented = true });
            o.WriteTo(w, Options);
        });
    }

    public static string Serialize(object value) => JsonSerializer.Serialize(value, value.GetType(), Options);
}
