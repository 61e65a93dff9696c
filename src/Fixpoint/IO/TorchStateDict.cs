using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Fixpoint.Numerics;

namespace Fixpoint.IO;

/// <summary>
/// Reads a PyTorch state dict saved by <c>torch.save</c> (the zip format of PyTorch ≥ 1.6: <c>NAME/data.pkl</c>,
/// the storages in <c>NAME/data/0</c>, <c>NAME/data/1</c>, …, <c>NAME/version</c> and, from 1.10, <c>NAME/byteorder</c>)
/// without executing anything. <c>data.pkl</c> is read by a restricted unpickler that knows only what a state dict
/// needs: <c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c> and <c>_rebuild_parameter</c>,
/// the typed storages (<c>torch.FloatStorage</c>, …) inside persistent ids <c>('storage', type, key, location, numel)</c>,
/// and plain Python values. Any other global (<c>os.system</c>, <c>builtins.eval</c>, a module class) is refused with
/// <see cref="ModelFormatException"/> naming it; the unpickler only ever builds data, so nothing in the file runs.
/// This is the promise of <c>torch.load(weights_only=True)</c>.
/// </summary>
public static class TorchStateDict
{
    /// <summary>How to re-save a file in the format this reader takes, for refusal messages.</summary>
    public const string ResaveHint = "re-save it with torch.save(model.state_dict(), f, _use_new_zipfile_serialization=True)";

    /// <summary>True when <paramref name="path"/> has a PyTorch extension (.pt, .pth, .bin with a zip inside is not assumed).</summary>
    public static bool IsTorchFile(string path)
    {
        string ext = Path.GetExtension(path);
        return ext.Equals(".pt", StringComparison.OrdinalIgnoreCase) || ext.Equals(".pth", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Reads the state dict in <paramref name="path"/>: tensors in the file's key order, widened to float64, no metadata.</summary>
    public static SafetensorsFile Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException($"{path}: cannot read: {e.Message}");
        }
        return Parse(bytes, path);
    }

    public static SafetensorsFile Parse(byte[] bytes, string path, MemoryBudget? budget = null)
    {
        budget ??= MemoryBudget.Default;
        if (bytes.Length < 4 || bytes[0] != (byte)'P' || bytes[1] != (byte)'K')
        {
            bool legacy = bytes.Length > 2 && bytes[0] == 0x80;
            throw new ModelFormatException(legacy
                ? $"{path}: this is PyTorch's legacy (pre-1.6, non-zip) torch.save format, which is not read; {ResaveHint}"
                : $"{path}: not a torch.save zip file (it does not start with a zip header); {ResaveHint}");
        }
        ZipArchive zip;
        try { zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read); }
        catch (InvalidDataException e) { throw new ModelFormatException($"{path}: a broken zip file: {e.Message}"); }
        // ZipArchive reads its central directory and local headers lazily, so a damaged archive can
        // surface on any entry access; every such failure is the file's fault, reported as one line.
        try { return ParseArchive(zip, path, budget); }
        catch (InvalidDataException e) { throw new ModelFormatException($"{path}: a broken zip file: {e.Message}"); }
        catch (OverflowException) { throw new ModelFormatException($"{path}: a size or offset in the file is out of range"); }
        finally { zip.Dispose(); }
    }

    private static SafetensorsFile ParseArchive(ZipArchive zip, string path, MemoryBudget budget)
    {
        {
            var pickles = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1).ToList();
            if (zip.Entries.Any(e => e.FullName.EndsWith("/constants.pkl", StringComparison.Ordinal)))
                throw new ModelFormatException($"{path}: a TorchScript archive (torch.jit.save), not a state dict; save model.state_dict() with torch.save");
            if (pickles.Count != 1)
                throw new ModelFormatException($"{path}: expected one NAME/data.pkl in the zip, found {pickles.Count}; {ResaveHint}");
            string root = pickles[0].FullName[..^"data.pkl".Length];
            bool bigEndian = false;
            ZipArchiveEntry? order = zip.GetEntry(root + "byteorder");
            if (order is not null)
            {
                string o = Encoding.ASCII.GetString(ReadEntry(order, path, budget)).Trim();
                if (o == "big") bigEndian = true;
                else if (o != "little") throw new ModelFormatException($"{path}: byteorder is '{o}', expected little or big");
            }
            byte[] pickle = ReadEntry(pickles[0], path, budget);
            object? top = new Unpickler(pickle, path).Load();
            if (top is not PickleDict dict)
                throw new ModelFormatException($"{path}: the pickle holds a {Describe(top)}, not a state dict (an OrderedDict of tensors); {ResaveHint}");

            var tensors = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
            var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var (key, value) in dict.Items)
            {
                if (key is not string name) throw new ModelFormatException($"{path}: a state dict key is a {Describe(key)}, not a string");
                if (value is not TensorRef t)
                    throw new ModelFormatException($"{path}: {name} is a {Describe(value)}, not a tensor; a state dict holds tensors only");
                if (!storages.TryGetValue(t.Storage.Key, out byte[]? data))
                {
                    ZipArchiveEntry e = zip.GetEntry(root + "data/" + t.Storage.Key)
                        ?? throw new ModelFormatException($"{path}: {name}'s storage data/{t.Storage.Key} is missing from the zip");
                    storages[t.Storage.Key] = data = ReadEntry(e, path, budget);
                }
                tensors[name] = Materialise(name, t, data, bigEndian, path, budget);
            }
            return new SafetensorsFile(tensors, new Dictionary<string, string>());
        }
    }

    private static byte[] ReadEntry(ZipArchiveEntry e, string path, MemoryBudget budget)
    {
        if (e.Length < 0 || e.Length > int.MaxValue) throw new ModelFormatException($"{path}: {e.FullName} is too large");
        budget.Require(e.Length, $"{path}: {e.FullName}");
        using Stream s = e.Open();
        var buffer = new byte[e.Length];
        try { s.ReadExactly(buffer); }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            throw new ModelFormatException($"{path}: {e.FullName} cannot be read: {ex.Message}");
        }
        return buffer;
    }

    /// <summary>The tensor's elements in row-major order, gathered through its offset and strides, as float64.</summary>
    private static SafetensorsTensor Materialise(string name, TensorRef t, byte[] data, bool bigEndian, string path, MemoryBudget budget)
    {
        int size = t.Storage.Type.Size;
        long available = data.Length / size;
        if (available < t.Storage.Elements)
            throw new ModelFormatException($"{path}: {name}'s storage holds {available} elements, the pickle says {t.Storage.Elements}");
        int rank = t.Shape.Length;
        if (t.Stride.Length != rank) throw new ModelFormatException($"{path}: {name} has {rank} sizes but {t.Stride.Length} strides");
        long count = 1;
        foreach (int d in t.Shape)
        {
            if (d < 0) throw new ModelFormatException($"{path}: {name} has a negative size");
            count *= d;
            if (count > int.MaxValue) throw new ModelFormatException($"{path}: {name} is too large");
        }
        if (count > int.MaxValue) throw new ModelFormatException($"{path}: {name} is too large");
        budget.Require(count * 8.0, $"{path}: {name}");
        var values = new double[count];
        var index = new int[rank];
        for (long i = 0; i < count; i++)
        {
            long at = t.Offset;
            for (int k = 0; k < rank; k++) at += (long)index[k] * t.Stride[k];
            if (at < 0 || at >= available) throw new ModelFormatException($"{path}: {name} reads element {at} of a storage of {available}");
            values[i] = t.Storage.Type.Read(data.AsSpan(checked((int)(at * size)), size), bigEndian);
            for (int k = rank - 1; k >= 0; k--)
            {
                if (++index[k] < t.Shape[k]) break;
                index[k] = 0;
            }
        }
        return new SafetensorsTensor(name, t.Storage.Type.DType, t.Shape, values);
    }

    private static string Describe(object? o) => o switch
    {
        null => "None",
        string => "string",
        PickleDict => "dict",
        TensorRef => "tensor",
        IReadOnlyList<object?> => "tuple or list",
        _ => o.GetType().Name,
    };

    // ── the restricted unpickler ──────────────────────────────────────────────────────────────────

    /// <summary>A storage type: the safetensors dtype name, bytes per element, and how to read one.</summary>
    private sealed record StorageType(string TorchName, string DType, int Size)
    {
        public double Read(ReadOnlySpan<byte> b, bool big) => DType switch
        {
            "F64" => big ? BinaryPrimitives.ReadDoubleBigEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b),
            "F32" => big ? BinaryPrimitives.ReadSingleBigEndian(b) : BinaryPrimitives.ReadSingleLittleEndian(b),
            "F16" => (double)(big ? BinaryPrimitives.ReadHalfBigEndian(b) : BinaryPrimitives.ReadHalfLittleEndian(b)),
            "BF16" => BitConverter.Int32BitsToSingle((big ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b)) << 16),
            "I64" => big ? BinaryPrimitives.ReadInt64BigEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b),
            "I32" => big ? BinaryPrimitives.ReadInt32BigEndian(b) : BinaryPrimitives.ReadInt32LittleEndian(b),
            "I16" => big ? BinaryPrimitives.ReadInt16BigEndian(b) : BinaryPrimitives.ReadInt16LittleEndian(b),
            "I8" => (sbyte)b[0],
            "U8" => b[0],
            "BOOL" => b[0] != 0 ? 1 : 0,
            _ => throw new InvalidOperationException(DType),
        };
    }

    private static readonly StorageType[] StorageTypes =
    [
        new("DoubleStorage", "F64", 8), new("FloatStorage", "F32", 4), new("HalfStorage", "F16", 2),
        new("BFloat16Storage", "BF16", 2), new("LongStorage", "I64", 8), new("IntStorage", "I32", 4),
        new("ShortStorage", "I16", 2), new("CharStorage", "I8", 1), new("ByteStorage", "U8", 1), new("BoolStorage", "BOOL", 1),
    ];

    /// <summary>The globals a state dict names; anything else is refused.</summary>
    private enum Global { OrderedDict, RebuildTensorV2, RebuildParameter, Storage, DType }

    private sealed record GlobalRef(Global Kind, string Name, StorageType? Storage = null);

    private sealed record StorageRef(StorageType Type, string Key, long Elements);

    private sealed record TensorRef(StorageRef Storage, long Offset, int[] Shape, long[] Stride);

    private sealed class PickleDict
    {
        public List<(object? Key, object? Value)> Items { get; } = [];

        public void Set(object? key, object? value)
        {
            int i = Items.FindIndex(kv => Equals(kv.Key, key));
            if (i >= 0) Items[i] = (key, value);
            else Items.Add((key, value));
        }
    }

    private sealed class Mark;

    private sealed class Unpickler(byte[] data, string path)
    {
        private static readonly Mark MarkObject = new();
        private readonly List<object?> _stack = [];
        private readonly Dictionary<long, object?> _memo = [];
        private int _pos;

        private ModelFormatException Bad(string what) => new($"{path}: data.pkl: {what}");

        public object? Load()
        {
            while (true)
            {
                if (_pos >= data.Length) throw Bad("ends before STOP");
                byte op = data[_pos++];
                switch (op)
                {
                    case 0x80: _pos++; break; // PROTO n
                    case 0x95: Skip(8); break; // FRAME
                    case 0x2e: return Pop(); // STOP
                    case 0x28: _stack.Add(MarkObject); break; // MARK
                    case 0x29: _stack.Add(Array.Empty<object?>()); break; // EMPTY_TUPLE
                    case 0x5d: _stack.Add(new List<object?>()); break; // EMPTY_LIST
                    case 0x7d: _stack.Add(new PickleDict()); break; // EMPTY_DICT
                    case 0x4e: _stack.Add(null); break; // NONE
                    case 0x88: _stack.Add(true); break; // NEWTRUE
                    case 0x89: _stack.Add(false); break; // NEWFALSE
                    case 0x4b: _stack.Add((long)Byte()); break; // BININT1
                    case 0x4d: _stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                    case 0x4a: _stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break; // BININT
                    case 0x8a: _stack.Add(Long(Byte())); break; // LONG1
                    case 0x47: _stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT
                    case 0x58: _stack.Add(Utf8(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4))))); break; // BINUNICODE
                    case 0x8c: _stack.Add(Utf8(Byte())); break; // SHORT_BINUNICODE
                    case 0x8d: _stack.Add(Utf8(checked((int)BinaryPrimitives.ReadUInt64LittleEndian(Take(8))))); break; // BINUNICODE8
                    case 0x55: _stack.Add(Encoding.Latin1.GetString(Take(Byte()))); break; // SHORT_BINSTRING
                    case 0x54: _stack.Add(Encoding.Latin1.GetString(Take(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))))); break; // BINSTRING
                    case 0x43: _stack.Add(Take(Byte()).ToArray()); break; // SHORT_BINBYTES
                    case 0x42: _stack.Add(Take(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))).ToArray()); break; // BINBYTES
                    case 0x71: _memo[Byte()] = Peek(); break; // BINPUT
                    case 0x72: _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(); break; // LONG_BINPUT
                    case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
                    case 0x68: _stack.Add(Memo(Byte())); break; // BINGET
                    case 0x6a: _stack.Add(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET
                    case 0x30: Pop(); break; // POP
                    case 0x31: PopMark(); break; // POP_MARK
                    case 0x32: _stack.Add(Peek()); break; // DUP
                    case 0x74: _stack.Add(PopMark().ToArray()); break; // TUPLE
                    case 0x85: _stack.Add(new[] { Pop() }); break; // TUPLE1
                    case 0x86: { object? b = Pop(), a = Pop(); _stack.Add(new[] { a, b }); break; } // TUPLE2
                    case 0x87: { object? c = Pop(), b = Pop(), a = Pop(); _stack.Add(new[] { a, b, c }); break; } // TUPLE3
                    case 0x6c: _stack.Add(PopMark()); break; // LIST
                    case 0x61: { object? v = Pop(); ListAt().Add(v); break; } // APPEND
                    case 0x65: { var items = PopMark(); ListAt().AddRange(items); break; } // APPENDS
                    case 0x73: { object? v = Pop(), k = Pop(); DictAt().Set(k, v); break; } // SETITEM
                    case 0x75: // SETITEMS
                    {
                        var items = PopMark();
                        if (items.Count % 2 != 0) throw Bad("SETITEMS with an odd number of items");
                        PickleDict d = DictAt();
                        for (int i = 0; i < items.Count; i += 2) d.Set(items[i], items[i + 1]);
                        break;
                    }
                    case 0x63: _stack.Add(Resolve(Line(), Line())); break; // GLOBAL
                    case 0x93: // STACK_GLOBAL
                    {
                        object? name = Pop(), module = Pop();
                        if (module is not string m || name is not string n) throw Bad("STACK_GLOBAL without two strings");
                        _stack.Add(Resolve(m, n));
                        break;
                    }
                    case 0x51: _stack.Add(Persistent(Pop())); break; // BINPERSID
                    case 0x52: { object? args = Pop(), f = Pop(); _stack.Add(Reduce(f, args)); break; } // REDUCE
                    case 0x62: // BUILD: the state of an OrderedDict (its _metadata attribute) is not needed; nothing else may be built
                    {
                        _ = Pop();
                        if (Peek() is not PickleDict and not TensorRef) throw Bad($"BUILD on a {Describe(Peek())}");
                        break;
                    }
                    default:
                        throw Bad($"opcode 0x{op:x2} at byte {_pos - 1} is not one a state dict uses (refused; nothing was run)");
                }
            }
        }

        /// <summary>The only place a name from the file becomes something: one of a fixed list of data constructors, or a refusal.</summary>
        private GlobalRef Resolve(string module, string name)
        {
            string full = $"{module}.{name}";
            GlobalRef? g = (module, name) switch
            {
                ("collections", "OrderedDict") => new GlobalRef(Global.OrderedDict, full),
                ("torch._utils", "_rebuild_tensor_v2") => new GlobalRef(Global.RebuildTensorV2, full),
                ("torch._utils", "_rebuild_parameter") => new GlobalRef(Global.RebuildParameter, full),
                ("torch", _) when StorageTypes.FirstOrDefault(s => s.TorchName == name) is { } st => new GlobalRef(Global.Storage, full, st),
                ("torch", "float64" or "float32" or "float16" or "bfloat16" or "int64" or "int32" or "int16" or "int8" or "uint8" or "bool") => new GlobalRef(Global.DType, full),
                _ => null,
            };
            return g ?? throw new ModelFormatException(
                $"{path}: the pickle names the global {full}, which a state dict does not need; refused (nothing was run). " +
                "Only OrderedDicts of tensors are read: save model.state_dict(), not the model");
        }

        private StorageRef Persistent(object? pid)
        {
            if (pid is not object?[] { Length: 5 } t || t[0] is not "storage")
                throw Bad("a persistent id that is not ('storage', type, key, location, numel)");
            if (t[1] is not GlobalRef { Kind: Global.Storage, Storage: { } type })
                throw Bad($"a storage of type {t[1]} (expected torch.FloatStorage, torch.DoubleStorage, …)");
            if (t[2] is not string key || key.Contains('/') || key.Contains('\\') || key.Contains(".."))
                throw Bad("a storage key that is not a plain name");
            if (t[4] is not long n || n < 0) throw Bad("a storage size that is not a count");
            return new StorageRef(type, key, n);
        }

        private object? Reduce(object? f, object? args)
        {
            if (f is not GlobalRef g) throw Bad($"REDUCE on a {Describe(f)}, which is not callable here");
            if (args is not object?[] a) throw Bad($"REDUCE of {g.Name} without an argument tuple");
            switch (g.Kind)
            {
                case Global.OrderedDict:
                {
                    var d = new PickleDict();
                    if (a.Length == 0) return d;
                    if (a.Length == 1 && a[0] is IEnumerable<object?> pairs)
                    {
                        foreach (object? p in pairs)
                            if (p is object?[] { Length: 2 } kv) d.Set(kv[0], kv[1]);
                            else throw Bad("OrderedDict of something other than pairs");
                        return d;
                    }
                    throw Bad("OrderedDict with unexpected arguments");
                }
                case Global.RebuildTensorV2:
                {
                    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                    if (a.Length is < 6 or > 7 || a[0] is not StorageRef s || a[1] is not long offset || a[2] is not object?[] size || a[3] is not object?[] stride)
                        throw Bad("_rebuild_tensor_v2 with unexpected arguments");
                    return new TensorRef(s, offset, size.Select(v => v is long l && l <= int.MaxValue ? (int)l : throw Bad("a tensor size that is not an integer")).ToArray(),
                        stride.Select(v => v is long l ? l : throw Bad("a tensor stride that is not an integer")).ToArray());
                }
                case Global.RebuildParameter:
                    if (a.Length is < 2 or > 3 || a[0] is not TensorRef t) throw Bad("_rebuild_parameter with unexpected arguments");
                    return t;
                default:
                    throw Bad($"{g.Name} may not be called");
            }
        }

        private List<object?> PopMark()
        {
            int m = _stack.FindLastIndex(o => ReferenceEquals(o, MarkObject));
            if (m < 0) throw Bad("no MARK on the stack");
            var items = _stack.GetRange(m + 1, _stack.Count - m - 1);
            _stack.RemoveRange(m, _stack.Count - m);
            return items;
        }

        private object? Pop()
        {
            if (_stack.Count == 0 || ReferenceEquals(_stack[^1], MarkObject)) throw Bad("stack underflow");
            object? o = _stack[^1];
            _stack.RemoveAt(_stack.Count - 1);
            return o;
        }

        private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Bad("stack underflow");

        private object? Memo(long i) => _memo.TryGetValue(i, out object? o) ? o : throw Bad($"memo {i} is not set");

        private PickleDict DictAt() => Peek() as PickleDict ?? throw Bad($"SETITEM on a {Describe(Peek())}");

        private List<object?> ListAt() => Peek() as List<object?> ?? throw Bad($"APPEND on a {Describe(Peek())}");

        private byte Byte() => _pos < data.Length ? data[_pos++] : throw Bad("truncated");

        private ReadOnlySpan<byte> Take(int n)
        {
            if (n < 0 || _pos + n > data.Length) throw Bad("truncated");
            var s = data.AsSpan(_pos, n);
            _pos += n;
            return s;
        }

        private void Skip(int n) => Take(n);

        private string Utf8(int n) => Encoding.UTF8.GetString(Take(n));

        private long Long(int n)
        {
            if (n > 8) throw Bad("an integer longer than 64 bits");
            ReadOnlySpan<byte> b = Take(n);
            long v = 0;
            for (int i = n - 1; i >= 0; i--) v = (v << 8) | b[i];
            if (n > 0 && n < 8 && (b[n - 1] & 0x80) != 0) v -= 1L << (8 * n);
            return v;
        }

        private string Line()
        {
            int end = Array.IndexOf(data, (byte)'\n', _pos);
            if (end < 0) throw Bad("truncated GLOBAL");
            string s = Encoding.ASCII.GetString(data, _pos, end - _pos);
            _pos = end + 1;
            return s;
        }
    }
}
