using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace ModelStore.Arrow.Tests;

/// <summary>Arrow files written with Apache.Arrow directly, to make files our writer never would.</summary>
internal static class RawArrow
{
    public static byte[] Write(Schema schema, params RecordBatch[] batches)
    {
        using var buffer = new MemoryStream();
        using (var writer = new ArrowFileWriter(buffer, schema, leaveOpen: true))
        {
            writer.WriteStart();
            foreach (var batch in batches)
            {
                writer.WriteRecordBatch(batch);
            }

            writer.WriteEnd();
        }

        return buffer.ToArray();
    }

    /// <summary>The schema and batch of a file, to rewrite them altered.</summary>
    public static (Schema Schema, RecordBatch Batch) Read(byte[] file)
    {
        using var reader = new ArrowFileReader(new MemoryStream(file));
        var batch = reader.ReadNextRecordBatch();
        return (reader.Schema, batch);
    }

    public static Schema WithMetadata(Schema schema, IReadOnlyDictionary<string, string>? metadata) =>
        new(schema.FieldsList, metadata ?? new Dictionary<string, string>());
}
