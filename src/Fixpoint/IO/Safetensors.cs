using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Fixpoint.Numerics;

namespace Fixpoint.IO;

/// <summary>One tensor read from a safetensors file, converted to float64.</summary>
public sealed record SafetensorsTensor(string Name, string DType, int[] Shape, double[] Data)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>The contents of a safetensors file: tensors by name and the <c>__metadata__</c> strings.</summary>
public sealed record SafetensorsFile(IReadOnlyDictionary<string, SafetensorsTensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Reader and writer of the safetensors format: an 8-byte little-endian header length, a JSON
/// header { name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string} },
/// then the tensor bytes, little-endian, row-major. Every inconsistency is a <see cref="ModelFormatException"/>.
/// </summary>
public static class Safetensors
{
    /// <summary>Headers above this size are refused as corrupt rather than read into memory.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    private static readonly Dictionary<string, int> DTypeSizes = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2,
    };

    /// <summary>Reads a file; the file and its tensors as float64 must fit <paramref name="budget"/> (default <see cref="MemoryBudget.Default"/>).</summary>
    public static SafetensorsFile Read(string path, MemoryBudget? budget = null)
    {
        if (!File.Exists(path)) throw new ModelFormatException($"{path}: no such file");
        budget ??= MemoryBudget.Default;
        try
        {
            long length = new FileInfo(path).Length;
            budget.Require(length, $"reading {path}");
            // Mapped rather than read into one array: the tensors are copied straight from the page cache, and a wide
            // network (134 MB at N = 2048) is not held twice while it is decoded.
            if (length < 8 || length > int.MaxValue) return Parse(File.ReadAllBytes(path), path, budget);
            return ParseMapped(path, length, budget);
        }
        catch (IOException e) { throw new ModelFormatException($"{path}: cannot read: {e.Message}"); }
        catch (UnauthorizedAccessException e) { throw new ModelFormatException($"{path}: cannot read: {e.Message}"); }
    }

    private static unsafe SafetensorsFile ParseMapped(string path, long length, MemoryBudget budget)
    {
        using var file = System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
        using var view = file.CreateViewAccessor(0, length, System.IO.MemoryMappedFiles.MemoryMappedFileAccess.Read);
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        try { return Parse(new ReadOnlySpan<byte>(start + view.PointerOffset, (int)length), path, budget); }
        finally { view.SafeMemoryMappedViewHandle.ReleasePointer(); }
    }

    /// <summary>
    /// Parses a whole file. Strict: a key twice in the header (JSON would let the last one win), offsets that are
    /// not integers or lie outside the data, shapes whose size overflows, header text that is not UTF-8, and
    /// tensors whose float64 copies would not fit <paramref name="budget"/> are refused, naming the tensor.
    /// </summary>
    public static SafetensorsFile Parse(ReadOnlySpan<byte> bytes, string name = "safetensors", MemoryBudget? budget = null)
    {
        budget ??= MemoryBudget.Default;
        if (bytes.Length < 8) throw new ModelFormatException($"{name}: {bytes.Length} bytes is too short for a safetensors file (no 8-byte header length)");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8) || headerLength > MaxHeaderBytes)
            throw new ModelFormatException($"{name}: header length {headerLength} goes beyond the file ({bytes.Length} bytes): truncated or not safetensors");
        int hl = (int)headerLength;
        ReadOnlySpan<byte> data = bytes.Slice(8 + hl);
        byte[] header = bytes.Slice(8, hl).ToArray();
        if (!System.Text.Unicode.Utf8.IsValid(header)) throw new ModelFormatException($"{name}: the header is not valid UTF-8 text");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException e) { throw new ModelFormatException($"{name}: the header is not valid JSON ({e.Message.Split('.')[0]})"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ModelFormatException($"{name}: the header is not a JSON object");
            var metadata = new Dictionary<string, string>();
            var tensors = new Dictionary<string, SafetensorsTensor>();
            var ranges = new List<(long Begin, long End, string Name)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            long values = 0;
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(p.Name)) throw new ModelFormatException($"{name}: '{p.Name}' appears twice in the header");
                if (p.Name == "__metadata__")
                {
                    if (p.Value.ValueKind == JsonValueKind.Null) continue;
                    if (p.Value.ValueKind != JsonValueKind.Object) throw new ModelFormatException($"{name}: __metadata__ is not an object");
                    foreach (JsonProperty m in p.Value.EnumerateObject())
                    {
                        if (metadata.ContainsKey(m.Name)) throw new ModelFormatException($"{name}: metadata '{m.Name}' appears twice in the header");
                        if (m.Value.ValueKind != JsonValueKind.String) throw new ModelFormatException($"{name}: metadata '{m.Name}' is not a string");
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                Descriptor d = Describe(p, data.Length, name);
                ranges.Add((d.Begin, d.End, p.Name));
                values += d.Count;
            }
            // Every tensor becomes float64: check the total before decoding any (an F16 file doubles four times over).
            budget.Require(values * 8.0, $"the tensors of {name}");
            ranges.Sort((a, b) => a.Begin.CompareTo(b.Begin));
            for (int i = 1; i < ranges.Count; i++)
                if (ranges[i].Begin < ranges[i - 1].End)
                    throw new ModelFormatException($"{name}: tensors '{ranges[i - 1].Name}' and '{ranges[i].Name}' overlap in the data");
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
                if (p.Name != "__metadata__") tensors[p.Name] = Decode(Describe(p, data.Length, name), data);
            return new SafetensorsFile(tensors, metadata);
        }
    }

    private sealed record Descriptor(string Name, string DType, int Size, int[] Shape, long Count, long Begin, long End);

    private static Descriptor Describe(JsonProperty p, long dataLength, string file)
    {
        string t = p.Name;
        JsonElement e = p.Value;
        if (e.ValueKind != JsonValueKind.Object) throw new ModelFormatException($"{file}: tensor '{t}' is not an object");
        if (!e.TryGetProperty("dtype", out JsonElement dt) || dt.ValueKind != JsonValueKind.String)
            throw new ModelFormatException($"{file}: tensor '{t}' has no dtype");
        string dtype = dt.GetString()!;
        if (!DTypeSizes.TryGetValue(dtype, out int size))
            throw new ModelFormatException($"{file}: tensor '{t}' has unsupported dtype '{dtype}' (supported: {string.Join(", ", DTypeSizes.Keys)})");
        if (!e.TryGetProperty("shape", out JsonElement sh) || sh.ValueKind != JsonValueKind.Array)
            throw new ModelFormatException($"{file}: tensor '{t}' has no shape");
        var shape = new List<int>();
        long count = 1;
        foreach (JsonElement d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int v) || v < 0)
                throw new ModelFormatException($"{file}: tensor '{t}' has an invalid shape entry {d.GetRawText()}");
            shape.Add(v);
            // The data bounds the element count, so a product beyond it is refused before it can overflow.
            count = count > 0 && v > (dataLength + 1) / Math.Max(count, 1) + 1 ? long.MaxValue : count * v;
        }
        if (!e.TryGetProperty("data_offsets", out JsonElement off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2
            || off[0].ValueKind != JsonValueKind.Number || off[1].ValueKind != JsonValueKind.Number
            || !off[0].TryGetInt64(out long begin) || !off[1].TryGetInt64(out long end))
            throw new ModelFormatException($"{file}: tensor '{t}' has no valid data_offsets [begin, end] (two integers)");
        if (begin < 0 || end < begin || end > dataLength)
            throw new ModelFormatException($"{file}: tensor '{t}' data_offsets [{begin}, {end}] lie outside the {dataLength} data bytes");
        if (count == long.MaxValue || count * size != end - begin)
            throw new ModelFormatException($"{file}: tensor '{t}' has shape [{string.Join(", ", shape)}] ({(count == long.MaxValue ? "too many" : count.ToString(System.Globalization.CultureInfo.InvariantCulture))} × {size} bytes) but {end - begin} data bytes");
        return new Descriptor(t, dtype, size, [.. shape], count, begin, end);
    }

    private static SafetensorsTensor Decode(Descriptor d, ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> raw = data.Slice((int)d.Begin, (int)(d.End - d.Begin));
        var values = new double[d.Count];
        // One loop per dtype over typed spans (a 2048-wide layer is 4 M values): little-endian F64 is a plain copy.
        switch (d.DType)
        {
            case "F64" when BitConverter.IsLittleEndian:
                raw.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
                break;
            case "F64":
                for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadDoubleLittleEndian(raw.Slice(i * 8));
                break;
            case "F32":
                for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * 4));
                break;
            case "F16":
                for (int i = 0; i < values.Length; i++) values[i] = (double)BinaryPrimitives.ReadHalfLittleEndian(raw.Slice(i * 2));
                break;
            default: // BF16: the upper half of a float32
                for (int i = 0; i < values.Length; i++) values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw.Slice(i * 2)) << 16);
                break;
        }
        return new SafetensorsTensor(d.Name, d.DType, d.Shape, values);
    }

    /// <summary>
    /// Writes tensors (in the given order) as F64 or F32, with string metadata. The file is written
    /// to a temporary name and moved into place, so an existing file is never left half-written.
    /// </summary>
    public static void Write(string path, IEnumerable<(string Name, int[] Shape, double[] Data)> tensors, IReadOnlyDictionary<string, string> metadata, bool float32 = false)
    {
        string dtype = float32 ? "F32" : "F64";
        int size = float32 ? 4 : 8;
        var list = tensors.ToList();
        using var headerStream = new MemoryStream();
        long offset = 0;
        using (var w = new Utf8JsonWriter(headerStream))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(k, v);
            w.WriteEndObject();
            foreach (var (name, shape, data) in list)
            {
                long count = shape.Aggregate(1L, (a, b) => a * b);
                if (count != data.Length) throw new ArgumentException($"tensor '{name}': shape does not match {data.Length} values");
                w.WriteStartObject(name);
                w.WriteString("dtype", dtype);
                w.WriteStartArray("shape");
                foreach (int d in shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + count * size);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += count * size;
            }
            w.WriteEndObject();
        }
        var header = new List<byte>(headerStream.ToArray());
        while (header.Count % 8 != 0) header.Add((byte)' ');
        string tmp = path + ".tmp-" + Environment.ProcessId + "-" + Environment.CurrentManagedThreadId;
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Count);
            fs.Write(len);
            fs.Write(header.ToArray());
            // Whole tensors (or 64 KiB chunks of them) per write: one call per value costs more than the disk.
            var buf = new byte[1 << 16];
            foreach (var (_, _, data) in list)
            {
                if (!float32 && BitConverter.IsLittleEndian)
                {
                    fs.Write(MemoryMarshal.AsBytes(data.AsSpan()));
                    continue;
                }
                int per = buf.Length / size;
                for (int start = 0; start < data.Length; start += per)
                {
                    int count = Math.Min(per, data.Length - start);
                    for (int i = 0; i < count; i++)
                    {
                        if (float32) BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(i * 4), (float)data[start + i]);
                        else BinaryPrimitives.WriteDoubleLittleEndian(buf.AsSpan(i * 8), data[start + i]);
                    }
                    fs.Write(buf, 0, count * size);
                }
            }
            // On disk before the rename, so a crash never leaves the new name over unwritten bytes.
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }
}
