using System.Collections;

namespace Fixpoint.Maps;

/// <summary>
/// The layers one evaluation applies, in order, without one entry per applied layer: the stored layers
/// themselves, or the tied layer repeated <see cref="Count"/> times. A tied network of depth 10⁹ is
/// one layer and this view, not 10⁹ references. The struct enumerator keeps hot loops allocation-free.
/// </summary>
internal sealed class AppliedList<T>(T[] stored, int count, bool tied) : IReadOnlyList<T>
{
    /// <summary>The distinct stored items (one when tied).</summary>
    public T[] Stored { get; } = stored;

    public int Count { get; } = count;
    public int Length => Count;

    public T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
            return tied ? Stored[0] : Stored[index];
        }
    }

    public Enumerator GetEnumerator() => new(this);
    IEnumerator<T> IEnumerable<T>.GetEnumerator() => GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public struct Enumerator(AppliedList<T> list) : IEnumerator<T>
    {
        private int _i = -1;
        public readonly T Current => list[_i];
        readonly object? IEnumerator.Current => Current;
        public bool MoveNext() => ++_i < list.Count;
        public void Reset() => _i = -1;
        public readonly void Dispose() { }
    }
}
