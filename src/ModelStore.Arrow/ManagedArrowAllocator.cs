using System.Buffers;
using System.Runtime.CompilerServices;
using Apache.Arrow.Memory;

namespace ModelStore.Arrow;

/// <summary>
/// Gives Apache.Arrow's reader garbage-collected arrays instead of native memory, so the weights read can keep
/// pointing into the record batch body after the batch is disposed: reading a row copies its values once (from
/// the file into the body), not twice.
/// </summary>
internal sealed class ManagedArrowAllocator : MemoryAllocator
{
    private readonly ConditionalWeakTable<byte[], object> _arrays = [];

    /// <summary>Whether <paramref name="array"/> was allocated here (and is therefore never reused by a pool).</summary>
    public bool Owns(byte[] array) => _arrays.TryGetValue(array, out _);

    protected override IMemoryOwner<byte> AllocateInternal(int length, out int bytesAllocated)
    {
        var array = GC.AllocateUninitializedArray<byte>(length);
        _arrays.Add(array, this);
        bytesAllocated = length;
        return new Owner(array);
    }

    /// <summary>Owns nothing that needs freeing: the collector reclaims the array once no weights refer to it.</summary>
    private sealed class Owner(byte[] array) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory => array;

        public void Dispose()
        {
        }
    }
}
