using System.Text.Json;
using System.Text.Json.Serialization;
using ModelStore.IO;

namespace ModelStore.Downloads;

/// <summary>
/// What a resumable download has finished, kept beside its file (<c>{path}.journal</c>): the object's identity, one flag
/// per finished chunk, and the bytes written so far in each unfinished chunk. <see cref="ChunkedDownloader"/> records
/// progress here as it goes; the journal reaches the disk each time the download has written 1/128 of the object (at
/// least 1 MiB) since the last save, and at once when the download stops (completed, failed or cancelled).
/// </summary>
/// <remarks>
/// So a <c>kill -9</c> costs at most 1/128 of the object (8 MiB of 1 GiB), whatever the link's speed. A checkpoint per MiB
/// of every chunk (the earlier rule, about the same loss with 8 chunks in flight) saved the journal 1 150 times for a
/// 1 GiB download at 8 MiB chunks, each a JSON serialization, four file operations and a hop to the thread pool; now
/// 128 times, on the writer's thread. (A bound in time instead, one second, cost up to 13 % of the object per kill in
/// the fault proof's rate-limited pulls: build/proof/run.sh.) The counters only ever lag the file (bytes are counted after they are written), so a journal saved while chunks are in
/// flight never claims a byte that is not on disk. Replaced by rename, never fsynced: it must survive a killed process
/// (the page cache keeps both the journal and the chunks it lists), not a power cut.
/// </remarks>
internal sealed partial class DownloadJournal
{
    /// <summary>The suffix of the journal beside the downloaded file.</summary>
    public const string Suffix = ChunkedDownloader.JournalSuffix;

    // A save is written here, then renamed over the journal.
    private const string TemporarySuffix = ".tmp";

    private const long MinCheckpointBytes = 1024 * 1024;

    private readonly string _path;
    private readonly Record _record;
    private readonly bool _persisted;
    private readonly long _checkpointBytes;
    private long _unsaved;
    private readonly object _saving = new();

    private DownloadJournal(string path, Record record, bool persisted)
    {
        _path = path;
        _record = record;
        _persisted = persisted;
        _checkpointBytes = Math.Max(MinCheckpointBytes, record.Size / 128);
    }

    /// <summary>Whether each chunk is finished.</summary>
    public bool[] Done => _record.Done;

    /// <summary>The bytes of each unfinished chunk on disk, from its start.</summary>
    public long[] Written => _record.Written!;

    /// <summary>Whether nothing was recorded yet.</summary>
    public bool IsEmpty => Done.All(done => !done) && Written.All(bytes => bytes == 0);

    /// <summary>
    /// A journal with nothing finished, for a download into <paramref name="file"/>; kept in memory only when the object
    /// cannot be resumed (<see cref="RemoteObject.IsResumable"/>).
    /// </summary>
    public static DownloadJournal Start(string file, RemoteObject remote, long chunkSize, int chunkCount) =>
        new(file + Suffix, new Record(remote.Version, remote.Size, chunkSize, new bool[chunkCount], new long[chunkCount]), remote.IsResumable);

    /// <summary>
    /// The journal an earlier download into <paramref name="file"/> left, when it describes this object and the file has
    /// the object's size; otherwise null. Its chunk size is kept (the caller resumes in the chunks on disk, whatever split
    /// it would plan now). The journal is data: its chunk size must be one the options allow and its flags must cover the
    /// object, and a checkpoint outside its chunk counts as nothing written (the hash catches any other lie).
    /// </summary>
    public static DownloadJournal? TryLoad(string file, RemoteObject remote)
    {
        var path = file + Suffix;
        try
        {
            if (!File.Exists(path) || !File.Exists(file) || new FileInfo(file).Length != remote.Size)
            {
                return null;
            }

            var record = JsonSerializer.Deserialize(File.ReadAllBytes(path), RecordJson.Default.Record);
            if (record is null || record.Version != remote.Version || record.Size != remote.Size || record.ChunkSize < ChunkedDownloadOptions.MinChunkSize
                || remote.Size / record.ChunkSize >= int.MaxValue || record.Done?.Length != ChunkCount(remote.Size, record.ChunkSize))
            {
                return null;
            }

            var chunkSize = record.ChunkSize;
            var chunkCount = record.Done.Length;

            var written = new long[chunkCount];
            for (var index = 0; index < chunkCount && record.Written?.Length == chunkCount; index++)
            {
                var bytes = record.Written[index];
                written[index] = record.Done[index] || bytes < 0 || bytes > ChunkLength(index, chunkSize, remote.Size) ? 0 : bytes;
            }

            return new DownloadJournal(path, record with { Written = written }, persisted: true);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Deletes the journal of a download into <paramref name="file"/>, if any, with the temporary file of a save.</summary>
    public static void Discard(string file)
    {
        AtomicFile.Discard(file + Suffix);
        // What a process killed between writing a save and renaming it left; the next save would have replaced it, but a
        // download that ends without saving again (resumed near its end) would leave it in tmp/ for good.
        AtomicFile.Discard(file + Suffix + TemporarySuffix);
    }

    /// <summary>The size of the chunks the journal records.</summary>
    public long ChunkSize => _record.ChunkSize;

    /// <summary>How many chunks of <paramref name="chunkSize"/> bytes an object of <paramref name="size"/> bytes has (at least one).</summary>
    public static int ChunkCount(long size, long chunkSize) => (int)Math.Max(1, (size / chunkSize) + (size % chunkSize == 0 ? 0 : 1));

    /// <summary>The length of chunk <paramref name="index"/> of an object of <paramref name="size"/> bytes.</summary>
    public static long ChunkLength(int index, long chunkSize, long size) => Math.Min(chunkSize, size - (index * chunkSize));

    /// <summary>Counts <paramref name="bytes"/> more on disk in chunk <paramref name="index"/> (called by that chunk's one writer), and saves when due.</summary>
    public void Wrote(int index, int bytes)
    {
        Written[index] += bytes;
        if (Interlocked.Add(ref _unsaved, bytes) >= _checkpointBytes)
        {
            SaveIfDue();
        }
    }

    /// <summary>Marks chunk <paramref name="index"/> finished (recorded by the next save).</summary>
    public void Finished(int index) => Done[index] = true;

    /// <summary>Saves now (the download stopped): what is recorded reaches the disk.</summary>
    public void Save()
    {
        if (_persisted)
        {
            lock (_saving)
            {
                Write();
            }
        }
    }

    // One writer saves; the others carry on instead of queueing for the same snapshot.
    private void SaveIfDue()
    {
        if (!_persisted || !Monitor.TryEnter(_saving))
        {
            return;
        }

        try
        {
            if (Volatile.Read(ref _unsaved) >= _checkpointBytes)
            {
                Write();
            }
        }
        finally
        {
            Monitor.Exit(_saving);
        }
    }

    private void Write()
    {
        // Bytes counted from here on are for the next save (this one may or may not include them).
        Interlocked.Exchange(ref _unsaved, 0);
        var temporary = _path + TemporarySuffix;
        LinkSafeFile.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(_record, RecordJson.Default.Record));
        File.Move(temporary, _path, overwrite: true);
    }

    /// <summary>The journal's content (its JSON names are read by build/proof/run.sh).</summary>
    private sealed record Record(string? Version, long Size, long ChunkSize, bool[] Done, long[]? Written = null);

    // Source-generated, like the cache's index entries: no reflection on the first save of a download.
    [JsonSerializable(typeof(Record))]
    private sealed partial class RecordJson : JsonSerializerContext;
}
