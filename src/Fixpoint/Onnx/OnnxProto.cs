using System.Buffers.Binary;
using System.Text;

namespace Fixpoint.Onnx;

/// <summary>
/// The part of an ONNX model (onnx.proto) that exact import needs, read with a small protobuf
/// wire-format reader. Field numbers, checked against the onnx package's own descriptors:
/// ModelProto.graph = 7; GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12;
/// NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7;
/// AttributeProto: name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, strings = 9, type = 20;
/// TensorProto: dims = 1, data_type = 2, float_data = 4, int32_data = 5, int64_data = 7, name = 8,
/// raw_data = 9, double_data = 10, data_location = 14; ValueInfoProto: name = 1, type = 2;
/// TypeProto.tensor_type = 1; TypeProto.Tensor: elem_type = 1, shape = 2; TensorShapeProto.dim = 1;
/// Dimension: dim_value = 1, dim_param = 2. Unknown fields are skipped, as protobuf requires.
/// </summary>
public sealed record OnnxModel(OnnxGraph Graph)
{
    /// <summary>Parses a serialized ModelProto; throws <see cref="OnnxFormatException"/> naming <paramref name="path"/> when it is not one.</summary>
    public static OnnxModel Parse(ReadOnlyMemory<byte> bytes, string path)
    {
        try
        {
            OnnxGraph? graph = null;
            var r = new ProtoReader(bytes);
            while (r.Next(out int field, out WireType wire))
            {
                if (field == 7 && wire == WireType.Len) graph = OnnxGraph.Parse(r.Bytes());
                else r.Skip(wire);
            }
            if (graph is null) throw new OnnxFormatException($"{path}: not an ONNX model (no graph)");
            return new OnnxModel(graph);
        }
        catch (ProtoFormatException e)
        {
            throw new OnnxFormatException($"{path}: not an ONNX model (malformed protobuf: {e.Message})");
        }
    }

    public static OnnxModel Read(string path)
    {
        if (!File.Exists(path)) throw new OnnxFormatException($"{path}: no such file");
        return Parse(File.ReadAllBytes(path), path);
    }
}

/// <summary>GraphProto: nodes in topological order, initializers (constant tensors), inputs and outputs.</summary>
public sealed record OnnxGraph(string Name, IReadOnlyList<OnnxNode> Nodes, IReadOnlyList<OnnxTensor> Initializers,
    IReadOnlyList<OnnxValueInfo> Inputs, IReadOnlyList<OnnxValueInfo> Outputs)
{
    internal static OnnxGraph Parse(ReadOnlyMemory<byte> bytes)
    {
        string name = "";
        var nodes = new List<OnnxNode>();
        var inits = new List<OnnxTensor>();
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        var r = new ProtoReader(bytes);
        while (r.Next(out int field, out WireType wire))
        {
            switch (field, wire)
            {
                case (1, WireType.Len): nodes.Add(OnnxNode.Parse(r.Bytes())); break;
                case (2, WireType.Len): name = r.String(); break;
                case (5, WireType.Len): inits.Add(OnnxTensor.Parse(r.Bytes())); break;
                case (11, WireType.Len): inputs.Add(OnnxValueInfo.Parse(r.Bytes())); break;
                case (12, WireType.Len): outputs.Add(OnnxValueInfo.Parse(r.Bytes())); break;
                default: r.Skip(wire); break;
            }
        }
        return new OnnxGraph(name, nodes, inits, inputs, outputs);
    }
}

/// <summary>NodeProto: one operator application.</summary>
public sealed record OnnxNode(string Name, string OpType, string Domain, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    /// <summary>The node as error messages name it: <c>'fc1' (Gemm)</c>, or <c>making 'h1' (Gemm)</c> when it has no name.</summary>
    public string Label => Name.Length > 0 ? $"'{Name}' ({OpType})" : $"making '{string.Join("', '", Outputs)}' ({OpType})";

    internal static OnnxNode Parse(ReadOnlyMemory<byte> bytes)
    {
        string name = "", op = "", domain = "";
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attrs = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
        var r = new ProtoReader(bytes);
        while (r.Next(out int field, out WireType wire))
        {
            switch (field, wire)
            {
                case (1, WireType.Len): inputs.Add(r.String()); break;
                case (2, WireType.Len): outputs.Add(r.String()); break;
                case (3, WireType.Len): name = r.String(); break;
                case (4, WireType.Len): op = r.String(); break;
                case (5, WireType.Len):
                    OnnxAttribute a = OnnxAttribute.Parse(r.Bytes());
                    attrs[a.Name] = a;
                    break;
                case (7, WireType.Len): domain = r.String(); break;
                default: r.Skip(wire); break;
            }
        }
        return new OnnxNode(name, op, domain, inputs, outputs, attrs);
    }
}

/// <summary>AttributeProto, with the value kinds import reads: a float, an int, a tensor, lists of floats or ints.</summary>
public sealed record OnnxAttribute(string Name, int Type, float? F, long? I, OnnxTensor? T, IReadOnlyList<float> Floats, IReadOnlyList<long> Ints)
{
    /// <summary>The string value (s = 4), e.g. a GRU's direction or Pad's mode.</summary>
    public string? S { get; init; }

    /// <summary>The list of strings (strings = 9), e.g. a GRU's activations.</summary>
    public IReadOnlyList<string> Strings { get; init; } = [];

    internal static OnnxAttribute Parse(ReadOnlyMemory<byte> bytes)
    {
        string name = "";
        int type = 0;
        float? f = null;
        long? i = null;
        OnnxTensor? t = null;
        var floats = new List<float>();
        var ints = new List<long>();
        string? s = null;
        var strings = new List<string>();
        var r = new ProtoReader(bytes);
        while (r.Next(out int field, out WireType wire))
        {
            switch (field, wire)
            {
                case (1, WireType.Len): name = r.String(); break;
                case (2, WireType.Fixed32): f = r.Float(); break;
                case (4, WireType.Len): s = r.String(); break;
                case (9, WireType.Len): strings.Add(r.String()); break;
                case (3, WireType.Varint): i = (long)r.Varint(); break;
                case (5, WireType.Len): t = OnnxTensor.Parse(r.Bytes()); break;
                case (7, _): r.RepeatedFloat(wire, floats); break;
                case (8, _): r.RepeatedVarint(wire, ints); break;
                case (20, WireType.Varint): type = (int)r.Varint(); break;
                default: r.Skip(wire); break;
            }
        }
        return new OnnxAttribute(name, type, f, i, t, floats, ints) { S = s, Strings = strings };
    }
}

/// <summary>TensorProto element types that import reads (onnx.proto's DataType enum).</summary>
public enum OnnxDataType
{
    Undefined = 0, Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7, String = 8,
    Bool = 9, Float16 = 10, Double = 11, UInt32 = 12, UInt64 = 13, Complex64 = 14, Complex128 = 15, BFloat16 = 16,
}

/// <summary>TensorProto. <see cref="Data"/> holds the values as doubles for Float, Double, Float16, BFloat16, Int32 and Int64; null for other types.</summary>
public sealed record OnnxTensor(string Name, long[] Dims, OnnxDataType DataType, double[]? Data, bool External)
{
    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);

    public string ShapeText => $"[{string.Join(", ", Dims)}]";

    internal static OnnxTensor Parse(ReadOnlyMemory<byte> bytes)
    {
        string name = "";
        var dims = new List<long>();
        int type = 0;
        var floats = new List<float>();
        var doubles = new List<double>();
        var int64s = new List<long>();
        var int32s = new List<long>();
        ReadOnlyMemory<byte>? raw = null;
        bool external = false;
        var r = new ProtoReader(bytes);
        while (r.Next(out int field, out WireType wire))
        {
            switch (field, wire)
            {
                case (1, _): r.RepeatedVarint(wire, dims); break;
                case (2, WireType.Varint): type = (int)r.Varint(); break;
                case (4, _): r.RepeatedFloat(wire, floats); break;
                case (5, _): r.RepeatedVarint(wire, int32s); break;
                case (7, _): r.RepeatedVarint(wire, int64s); break;
                case (8, WireType.Len): name = r.String(); break;
                case (9, WireType.Len): raw = r.Bytes(); break;
                case (10, _): r.RepeatedDouble(wire, doubles); break;
                case (14, WireType.Varint): external = r.Varint() == 1; break;
                default: r.Skip(wire); break;
            }
        }
        var dt = (OnnxDataType)type;
        if (dims.Any(d => d < 0)) throw new ProtoFormatException($"tensor '{name}' has a negative dimension");
        // A product of dimensions that overflows is refused, not wrapped round to a negative count.
        long count = 1;
        foreach (long d in dims)
            count = count == 0 || d == 0 ? 0 : d > int.MaxValue / count ? long.MaxValue : count * d;
        double[]? data = external ? null : Decode(name, dt, count, raw, floats, doubles, int32s, int64s);
        return new OnnxTensor(name, [.. dims], dt, data, external);
    }

    private static double[]? Decode(string name, OnnxDataType dt, long count, ReadOnlyMemory<byte>? raw,
        List<float> floats, List<double> doubles, List<long> int32s, List<long> int64s)
    {
        if (count > int.MaxValue) throw new ProtoFormatException($"tensor '{name}' has {count} elements");
        int n = (int)count;
        int size = dt switch
        {
            OnnxDataType.Float or OnnxDataType.Int32 => 4,
            OnnxDataType.Double or OnnxDataType.Int64 => 8,
            OnnxDataType.Float16 or OnnxDataType.BFloat16 => 2,
            _ => 0,
        };
        if (size == 0) return null;
        if (raw is { } rm)
        {
            ReadOnlySpan<byte> b = rm.Span;
            if (b.Length != (long)n * size)
                throw new ProtoFormatException($"tensor '{name}' has {b.Length} bytes of raw data, expected {n} × {size}");
            // Allocated only once the data is known to be there: a shape alone never sizes an array.
            var data = new double[n];
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<byte> e = b.Slice(i * size, size);
                data[i] = dt switch
                {
                    OnnxDataType.Float => BinaryPrimitives.ReadSingleLittleEndian(e),
                    OnnxDataType.Double => BinaryPrimitives.ReadDoubleLittleEndian(e),
                    OnnxDataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(e),
                    OnnxDataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(e),
                    OnnxDataType.Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(e),
                    _ => BFloat16(BinaryPrimitives.ReadUInt16LittleEndian(e)),
                };
            }
            return data;
        }
        // Typed fields: float_data for Float; double_data for Double; int64_data for Int64;
        // int32_data for Int32 and (as bit patterns) Float16 and BFloat16.
        int have = dt switch
        {
            OnnxDataType.Float => floats.Count,
            OnnxDataType.Double => doubles.Count,
            OnnxDataType.Int64 => int64s.Count,
            _ => int32s.Count,
        };
        if (have != n) throw new ProtoFormatException($"tensor '{name}' holds {have} values, its shape needs {n}");
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = dt switch
            {
                OnnxDataType.Float => floats[i],
                OnnxDataType.Double => doubles[i],
                OnnxDataType.Int64 => int64s[i],
                OnnxDataType.Int32 => (int)int32s[i],
                OnnxDataType.Float16 => (double)BitConverter.UInt16BitsToHalf((ushort)int32s[i]),
                _ => BFloat16((ushort)int32s[i]),
            };
        }
        return values;
    }

    private static double BFloat16(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);
}

/// <summary>ValueInfoProto of a graph input or output: element type and shape (a dimension is a number, a name, or unknown).</summary>
public sealed record OnnxValueInfo(string Name, OnnxDataType ElementType, IReadOnlyList<OnnxDimension>? Shape)
{
    internal static OnnxValueInfo Parse(ReadOnlyMemory<byte> bytes)
    {
        string name = "";
        OnnxDataType elem = OnnxDataType.Undefined;
        List<OnnxDimension>? shape = null;
        var r = new ProtoReader(bytes);
        while (r.Next(out int field, out WireType wire))
        {
            if (field == 1 && wire == WireType.Len) name = r.String();
            else if (field == 2 && wire == WireType.Len)
            {
                var type = new ProtoReader(r.Bytes());
                while (type.Next(out int tf, out WireType tw))
                {
                    if (tf != 1 || tw != WireType.Len) { type.Skip(tw); continue; }
                    var tensor = new ProtoReader(type.Bytes());
                    while (tensor.Next(out int ef, out WireType ew))
                    {
                        if (ef == 1 && ew == WireType.Varint) elem = (OnnxDataType)(int)tensor.Varint();
                        else if (ef == 2 && ew == WireType.Len)
                        {
                            shape = [];
                            var sh = new ProtoReader(tensor.Bytes());
                            while (sh.Next(out int sf, out WireType sw))
                            {
                                if (sf != 1 || sw != WireType.Len) { sh.Skip(sw); continue; }
                                var dim = new ProtoReader(sh.Bytes());
                                long? value = null;
                                string? param = null;
                                while (dim.Next(out int df, out WireType dw))
                                {
                                    if (df == 1 && dw == WireType.Varint) value = (long)dim.Varint();
                                    else if (df == 2 && dw == WireType.Len) param = dim.String();
                                    else dim.Skip(dw);
                                }
                                shape.Add(new OnnxDimension(value, param));
                            }
                        }
                        else tensor.Skip(ew);
                    }
                }
            }
            else r.Skip(wire);
        }
        return new OnnxValueInfo(name, elem, shape);
    }
}

/// <summary>One dimension of a shape: a fixed <see cref="Value"/>, a symbolic <see cref="Param"/>, or neither (unknown).</summary>
public sealed record OnnxDimension(long? Value, string? Param)
{
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Param ?? "?";
}

internal enum WireType { Varint = 0, Fixed64 = 1, Len = 2, StartGroup = 3, EndGroup = 4, Fixed32 = 5 }

internal sealed class ProtoFormatException(string message) : Exception(message);

/// <summary>A forward-only protobuf wire-format reader over one message's bytes. Every read is bounds-checked.</summary>
internal struct ProtoReader(ReadOnlyMemory<byte> data)
{
    private readonly ReadOnlyMemory<byte> _data = data;
    private int _pos;

    /// <summary>Reads the next tag; false at the end of the message.</summary>
    public bool Next(out int field, out WireType wire)
    {
        if (_pos >= _data.Length) { field = 0; wire = 0; return false; }
        ulong tag = Varint();
        field = (int)(tag >> 3);
        wire = (WireType)(int)(tag & 7);
        if (field <= 0 || (int)wire > 5) throw new ProtoFormatException($"invalid field tag {tag} at byte {_pos}");
        return true;
    }

    public ulong Varint()
    {
        ulong result = 0;
        ReadOnlySpan<byte> s = _data.Span;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= s.Length) throw new ProtoFormatException("truncated varint");
            byte b = s[_pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new ProtoFormatException("varint longer than 10 bytes");
    }

    public ReadOnlyMemory<byte> Bytes()
    {
        ulong len = Varint();
        if (len > (ulong)(_data.Length - _pos)) throw new ProtoFormatException($"a field of {len} bytes runs past the end of its message");
        ReadOnlyMemory<byte> m = _data.Slice(_pos, (int)len);
        _pos += (int)len;
        return m;
    }

    public string String()
    {
        try { return new UTF8Encoding(false, true).GetString(Bytes().Span); }
        catch (DecoderFallbackException) { throw new ProtoFormatException("a string field is not UTF-8"); }
    }

    public float Float() => BinaryPrimitives.ReadSingleLittleEndian(Fixed(4));

    public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Fixed(8));

    private ReadOnlySpan<byte> Fixed(int size)
    {
        if (_data.Length - _pos < size) throw new ProtoFormatException("truncated fixed-size field");
        ReadOnlySpan<byte> s = _data.Span.Slice(_pos, size);
        _pos += size;
        return s;
    }

    /// <summary>A repeated varint field, packed (one length-delimited run) or not (one value per tag).</summary>
    public void RepeatedVarint(WireType wire, List<long> into)
    {
        if (wire == WireType.Varint) { into.Add((long)Varint()); return; }
        if (wire != WireType.Len) throw new ProtoFormatException($"repeated integer field with wire type {wire}");
        var inner = new ProtoReader(Bytes());
        while (inner._pos < inner._data.Length) into.Add((long)inner.Varint());
    }

    public void RepeatedFloat(WireType wire, List<float> into)
    {
        if (wire == WireType.Fixed32) { into.Add(Float()); return; }
        if (wire != WireType.Len) throw new ProtoFormatException($"repeated float field with wire type {wire}");
        ReadOnlySpan<byte> b = Bytes().Span;
        if (b.Length % 4 != 0) throw new ProtoFormatException("packed floats are not a multiple of 4 bytes");
        for (int i = 0; i < b.Length; i += 4) into.Add(BinaryPrimitives.ReadSingleLittleEndian(b.Slice(i, 4)));
    }

    public void RepeatedDouble(WireType wire, List<double> into)
    {
        if (wire == WireType.Fixed64) { into.Add(Double()); return; }
        if (wire != WireType.Len) throw new ProtoFormatException($"repeated double field with wire type {wire}");
        ReadOnlySpan<byte> b = Bytes().Span;
        if (b.Length % 8 != 0) throw new ProtoFormatException("packed doubles are not a multiple of 8 bytes");
        for (int i = 0; i < b.Length; i += 8) into.Add(BinaryPrimitives.ReadDoubleLittleEndian(b.Slice(i, 8)));
    }

    public void Skip(WireType wire)
    {
        switch (wire)
        {
            case WireType.Varint: Varint(); break;
            case WireType.Fixed64: Fixed(8); break;
            case WireType.Fixed32: Fixed(4); break;
            case WireType.Len: Bytes(); break;
            default: throw new ProtoFormatException($"unsupported wire type {wire} (groups)");
        }
    }
}

/// <summary>An ONNX file that cannot be read or run natively, with a message that names the problem and the file (IO turns it into its ModelFormatException).</summary>
public sealed class OnnxFormatException(string message) : Exception(message);
