using ModelStore.States;
using ModelStore.Stores;

namespace ModelStore.Build.Tests;

/// <summary>
/// A real <see cref="LocalStateStore"/> whose reads the tests can observe, slow down or make fail, declared in
/// tests as <c>Kind="Observed"</c>.
/// </summary>
internal sealed class ObservedStore(LocalStateStore inner) : StateStore
{
    public int Opens { get; private set; }

    /// <summary>How many times whoever created the store disposed it.</summary>
    public int Disposals { get; private set; }

    public StateStoreError? Failure { get; set; }

    /// <summary>Delay between chunks of a read, to make a fetch long.</summary>
    public TimeSpan ChunkDelay { get; set; }

    public override string Description => inner.Description;

    public override string Id => inner.Id;

    public override Task<bool> ExistsAsync(StateKey key, CancellationToken cancellationToken = default) => inner.ExistsAsync(key, cancellationToken);

    public override Task<IReadOnlyList<StateKey>> GetStateKeysAsync(StateType stateType, CancellationToken cancellationToken = default) =>
        Failure is { } error ? throw new StateStoreException(error, "the test store is down") : inner.GetStateKeysAsync(stateType, cancellationToken);

    public override async Task<Stream> OpenReadAsync(StateKey key, CancellationToken cancellationToken = default)
    {
        Opens++;
        if (Failure is { } error)
        {
            throw new StateStoreException(error, $"The test store refused {key}.", key);
        }

        var stream = await inner.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        return ChunkDelay == TimeSpan.Zero ? stream : new SlowStream(stream, ChunkDelay);
    }

    public override Task WriteAsync(StateKey key, Stream content, bool overwrite = false, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(key, content, overwrite, cancellationToken);

    public override ValueTask DisposeAsync()
    {
        Disposals++;
        return base.DisposeAsync();
    }

    private sealed class SlowStream(Stream inner, TimeSpan delay) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return await inner.ReadAsync(buffer[..Math.Min(buffer.Length, 64 * 1024)], cancellationToken).ConfigureAwait(false);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>Creates <see cref="ObservedStore"/>s on the setting <c>Folder</c> and counts them.</summary>
internal sealed class ObservedStoreProvider : IStateStoreProvider
{
    public string Kind => "Observed";

    public int Created { get; private set; }

    public ObservedStore? Last { get; private set; }

    public Action<ObservedStore>? Configure { get; set; }

    public IStateStore Create(StateStoreSettings settings)
    {
        Created++;
        Last = new ObservedStore(new LocalStateStore(settings.GetPath("Folder") ?? throw new ArgumentException("Folder is required.", nameof(settings))));
        Configure?.Invoke(Last);
        return Last;
    }
}
