using System.Diagnostics;
using System.Text.Json;
using ModelStore.IO;

namespace ModelStore.Downloads;

/// <summary>
/// What a resumable download has finished, kept beside its file (<c>{path}.journal</c>): the object's identity, one flag
/// per finished chunk, and the bytes written so far in each unfinished chunk. <see cref="ChunkedDownloader"/> records
/// progress here as it goes; the journal reaches the disk at most every <see cref="CheckpointInterval"/> while bytes
/// arrive, and at once when the download stops (completed, failed or cancelled).
/// </summary>
/// <remarks>
/// A checkpoint bounded in time, not in bytes: a <c>kill -9</c> costs at most that much of the transfer, on a fast link
/// as on a slow one. One checkpoint per MiB per chunk (the earlier rule) saved the journal 1 150 times for a 1 GiB
/// download at 8 MiB chunks, each a JSON serialization, four file operations and a hop to the thread pool.
/// The counters only ever lag the file (bytes are counted after they are written), so a journal saved while chunks are in
/// flight never claims a byte that is not on disk. Replaced by rename, never fsynced: it must survive a killed process
/// (the page cache keeps both the journal and the chunks it lists), not a power cut.
/// </remarks>
internal sealed class DownloadJournal
{
    /// <summary>The suffix of the journal beside the downloaded file.</summary>
    public const string Suffix = ChunkedDownloader.JournalSuffix;

    /// <summary>The longest time progress may go unrecorded while bytes arrive.</summary>
    public static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(250);

    private readonly string _path;
    private readonly Record _record;
    private readonly bool _persisted;
    private readonly object _saving = new();
    private long _lastSave = Stopwatch.GetTimestamp();

    private DownloadJournal(string path, Record record, bool persisted)
    {
        _path = path;
        _record = record;
        _persisted = persisted;
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
    /// The journal an earlier download into <paramref name="file"/> left, when it describes this object, chunked the same
    /// way, and the file has the object's size; otherwise null. The journal is data: a checkpoint outside its chunk counts as
    /// nothing written (the hash catches any other lie).
    /// </summary>
    public static DownloadJournal? TryLoad(string file, RemoteObject remote, long chunkSize, int chunkCount)
    {
        var path = file + Suffix;
        try
        {
            if (!File.Exists(path) || !File.Exists(file) || new FileInfo(file).Length != remote.Size)
            {
                return null;
            }

            var record = JsonSerializer.Deserialize<Record>(File.ReadAllBytes(path));
            if (record is null || record.Version != remote.Version || record.Size != remote.Size || record.ChunkSize != chunkSize || record.Done?.Length != chunkCount)
            {
                return null;
            }

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

    /// <summary>Deletes the journal of a download into <paramref name="file"/>, if any.</summary>
    public static void Discard(string file) => AtomicFile.Discard(file + Suffix);

    /// <summary>The length of chunk <paramref name="index"/> of an object of <paramref name="size"/> bytes.</summary>
    public static long ChunkLength(int index, long chunkSize, long size) => Math.Min(chunkSize, size - (index * chunkSize));

    /// <summary>Counts <paramref name="bytes"/> more on disk in chunk <paramref name="index"/> (called by that chunk's one writer), and saves when due.</summary>
    public void Wrote(int index, int bytes)
    {
        Written[index] += bytes;
        SaveIfDue();
    }

    /// <summary>Marks chunk <paramref name="index"/> finished, and saves when due.</summary>
    public void Finished(int index)
    {
        Done[index] = true;
        SaveIfDue();
    }

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
        if (!_persisted || Stopwatch.GetElapsedTime(Volatile.Read(ref _lastSave)) < CheckpointInterval || !Monitor.TryEnter(_saving))
        {
            return;
        }

        try
        {
            if (Stopwatch.GetElapsedTime(_lastSave) >= CheckpointInterval)
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
        var temporary = _path + ".tmp";
        LinkSafeFile.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(_record));
        File.Move(temporary, _path, overwrite: true);
        Volatile.Write(ref _lastSave, Stopwatch.GetTimestamp());
    }

    /// <summary>The journal's content (its JSON names are read by build/proof/run.sh).</summary>
    private sealed record Record(string? Version, long Size, long ChunkSize, bool[] Done, long[]? Written = null);
}
