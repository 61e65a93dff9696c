using System.Text.Json;
using System.Text.Json.Serialization;
using Fixpoint.IO;

namespace Fixpoint.Cli;

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

    public static string Serialize(object value) => JsonSerializer.Serialize(value, value.GetType(), Options);
}
