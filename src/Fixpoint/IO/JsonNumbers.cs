using System.Text.Json;

namespace Fixpoint.IO;

/// <summary>
/// Numbers in the project's JSON files: doubles are written so they read back bit for bit, and a
/// value that is not finite (NaN, ±∞ — JSON has no spelling for them) is written as null.
/// </summary>
public static class JsonNumbers
{
    public static void WriteFiniteNumber(this Utf8JsonWriter w, string name, double v)
    {
        w.WritePropertyName(name);
        w.WriteFiniteNumberValue(v);
    }

    public static void WriteFiniteNumberValue(this Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v)) w.WriteNumberValue(v);
        else w.WriteNullValue();
    }

    public static void WriteFiniteArray(this Utf8JsonWriter w, string name, IEnumerable<double> values)
    {
        w.WriteStartArray(name);
        foreach (double v in values) w.WriteFiniteNumberValue(v);
        w.WriteEndArray();
    }
}
