using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using ModelStore.IO;

namespace ModelStore.Arrow;

/// <summary>
/// Writes and reads model rows as Arrow IPC files in LegolasFlux.jl's layout (what <c>write_model_row</c> and
/// <c>read_model_row</c> exchange): one row, the qualified schema identifier in the schema metadata under
/// <c>legolas_schema_qualified</c>, parent columns first.
/// </summary>
public static class ModelRowFile
{
    /// <summary>The conventional file name suffix (<c>training_run.digits.model.arrow</c>).</summary>
    public const string Extension = ".arrow";

    /// <summary>Writes <paramref name="row"/> to <paramref name="destination"/> (any writable stream, seekable or not).</summary>
    public static async Task WriteAsync(Stream destination, ModelRow row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(row);
        using var batch = ModelRowBatch.Create(row, out var placeholder);
        using (placeholder)
        {
            var output = new PositionTrackingStream(destination, placeholder);
            using var writer = new ArrowFileWriter(output, batch.Schema, leaveOpen: true);
            await writer.WriteStartAsync(cancellationToken).ConfigureAwait(false);
            await writer.WriteRecordBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            await writer.WriteEndAsync(cancellationToken).ConfigureAwait(false);
            if (placeholder is not null && placeholder.Substituted != placeholder.Length)
            {
                throw new InvalidOperationException(
                    $"The Arrow writer wrote {placeholder.Substituted} of {placeholder.Length} value bytes through; the row was not written whole.");
            }

            await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes <paramref name="row"/> to <paramref name="path"/> atomically (readers never see a partial file).</summary>
    public static async Task WriteAsync(string path, ModelRow row, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(row);
        var temporary = AtomicFile.CreateTemporary(path, out var temporaryPath);
        try
        {
            await WriteAsync(temporary, row, cancellationToken).ConfigureAwait(false);
            await AtomicFile.CommitAsync(temporary, temporaryPath, path, overwrite: true).ConfigureAwait(false);
        }
        catch
        {
            await temporary.DisposeAsync().ConfigureAwait(false);
            AtomicFile.Discard(temporaryPath);
            throw;
        }
    }

    /// <summary>
    /// Reads a row as <paramref name="schema"/>: the file's schema must be <paramref name="schema"/> or extend it
    /// (a <c>digits.model@1&gt;legolas-flux.model@1</c> file reads as <see cref="ModelRowSchemas.ModelV1"/>); the
    /// columns <paramref name="schema"/> does not declare are ignored.
    /// </summary>
    /// <exception cref="ModelRowException">When the file is malformed or does not comply with <paramref name="schema"/>.</exception>
    public static Task<ModelRow> ReadAsync(Stream source, RowSchema schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return ReadCoreAsync(source, (chain, identifier) => ModelRowSchemaResolver.ReadAs(schema, chain, identifier), cancellationToken);
    }

    /// <summary>Reads a row as the schema its file names, which must be declared in <paramref name="registry"/>.</summary>
    /// <exception cref="ModelRowException">When the file is malformed, its schema undeclared, or it does not comply with it.</exception>
    public static Task<ModelRow> ReadAsync(Stream source, RowSchemaRegistry registry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return ReadCoreAsync(source, (chain, identifier) => ModelRowSchemaResolver.Declared(registry, chain, identifier), cancellationToken);
    }

    /// <summary>Reads the row in file <paramref name="path"/> as <paramref name="schema"/>.</summary>
    public static async Task<ModelRow> ReadAsync(string path, RowSchema schema, CancellationToken cancellationToken = default)
    {
        var stream = OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return await ReadAsync(stream, schema, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the row in file <paramref name="path"/> as the declared schema it names.</summary>
    public static async Task<ModelRow> ReadAsync(string path, RowSchemaRegistry registry, CancellationToken cancellationToken = default)
    {
        var stream = OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return await ReadAsync(stream, registry, cancellationToken).ConfigureAwait(false);
        }
    }

    private static FileStream OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous);
    }

    private static async Task<ModelRow> ReadCoreAsync(
        Stream source, Func<IReadOnlyList<SchemaVersion>, string, RowSchema> resolve, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.CanSeek || source.Position != 0)
        {
            // The IPC file format keeps its index at the end and its offsets count from the file's first byte:
            // spool a forward-only stream (or a file further inside a stream) to a temporary file first.
            var spool = new FileStream(
                Path.Combine(Path.GetTempPath(), $"modelstore-row-{Guid.NewGuid():N}.arrow"),
                FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            await using (spool.ConfigureAwait(false))
            {
                await source.CopyToAsync(spool, 1 << 20, cancellationToken).ConfigureAwait(false);
                spool.Position = 0;
                return await ReadCoreAsync(spool, resolve, cancellationToken).ConfigureAwait(false);
            }
        }

        try
        {
            var checkedSource = await ArrowFileGuard.CheckAsync(source, cancellationToken).ConfigureAwait(false);
            var allocator = new ManagedArrowAllocator();
            using var reader = new ArrowFileReader(checkedSource, allocator, leaveOpen: true);
            var batches = new List<RecordBatch>();
            try
            {
                while (await reader.ReadNextRecordBatchAsync(cancellationToken).ConfigureAwait(false) is { } batch)
                {
                    batches.Add(batch);
                    ArrowBufferCheck.Check(batch);
                }

                return ModelRowBatch.Read(reader.Schema, batches, resolve, allocator);
            }
            finally
            {
                batches.ForEach(batch => batch.Dispose());
            }
        }
        catch (Exception exception) when (exception is not (ModelRowException or OperationCanceledException))
        {
            throw new ModelRowException(ModelRowError.MalformedFile, $"The bytes are not a readable Arrow IPC file: {exception.Message}", exception);
        }
    }
}
