using System.Numerics;

namespace NarrativeMonitor.StanceModel.Text;

/// <summary>
/// An insert-only open-addressing set of non-zero 64-bit values: several times faster than HashSet for the
/// thousands of character n-grams of every article.
/// </summary>
internal sealed class LongSet
{
    private ulong[] _slots;
    private int _mask;

    public LongSet(int expected)
    {
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, expected * 2));
        _slots = new ulong[size];
        _mask = size - 1;
    }

    public int Count { get; private set; }

    public void Add(ulong value)
    {
        if (value == 0)
        {
            return;
        }

        if (Count * 2 >= _slots.Length)
        {
            Grow();
        }

        var i = Slot(value);
        while (true)
        {
            var current = _slots[i];
            if (current == value)
            {
                return;
            }

            if (current == 0)
            {
                _slots[i] = value;
                Count++;
                return;
            }

            i = (i + 1) & _mask;
        }
    }

    public bool Contains(ulong value)
    {
        if (_slots.Length == 0)
        {
            throw new InvalidOperationException("LongSet: frozen, only Values remain");
        }

        var i = Slot(value);
        while (true)
        {
            var current = _slots[i];
            if (current == value)
            {
                return value != 0;
            }

            if (current == 0)
            {
                return false;
            }

            i = (i + 1) & _mask;
        }
    }

    private ulong[]? _values;

    /// <summary>The values, in slot order; computed once (call after the last Add).</summary>
    public ulong[] Values => _values ??= _slots.Where(v => v != 0).ToArray();

    /// <summary>
    /// Keeps only <see cref="Values"/> and <see cref="Count"/>, for a set that is only enumerated from now on (a claim's
    /// n-grams, compared against each article's set): the hash slots are at least twice the size of the values.
    /// </summary>
    public void Freeze()
    {
        _ = Values;
        _slots = [];
    }

    private int Slot(ulong value) => (int)((value * 0x9E3779B97F4A7C15UL) >> 40) & _mask;

    private void Grow()
    {
        var old = _slots;
        _slots = new ulong[old.Length * 2];
        _mask = _slots.Length - 1;
        Count = 0;
        foreach (var v in old)
        {
            if (v != 0)
            {
                Add(v);
            }
        }
    }
}
