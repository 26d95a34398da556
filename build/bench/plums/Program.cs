using System.Diagnostics;
using ModelStore.Plums;

// Usage: Plums.Bench <checkpoints> <megabytes each> [folder]
var count = args.Length > 0 ? int.Parse(args[0]) : 4;
var megabytes = args.Length > 1 ? int.Parse(args[1]) : 128;
var root = args.Length > 2 ? args[2] : Directory.CreateTempSubdirectory("plums-bench-").FullName;
try
{
    var configuration = Path.Combine(root, "config.yaml");
    File.WriteAllText(configuration, "lr: 0.01\n");
    var model = new Model("bench", "py_pa", "1.0", "bench", "bench-id", configuration);
    model.RegisterTrainingStart(0);
    var buffer = new byte[1 << 20];
    new Random(1).NextBytes(buffer);
    for (var i = 1; i <= count; i++)
    {
        var file = Path.Combine(root, $"epoch-{i}.pt");
        using (var stream = File.Create(file))
        {
            for (var m = 0; m < megabytes; m++)
            {
                buffer[m % buffer.Length] ^= (byte)i;
                stream.Write(buffer);
            }
        }

        model.RegisterEpoch(i);
        model.AddCheckpoint(new Checkpoint(i, file, i));
    }

    var total = (double)count * megabytes;
    var watch = Stopwatch.StartNew();
    model.Save(Path.Combine(root, "package"));
    var save = watch.Elapsed.TotalSeconds;
    watch.Restart();
    var loaded = Model.Load(Path.Combine(root, "package"), strict: true);
    var strict = watch.Elapsed.TotalSeconds;
    watch.Restart();
    Model.Load(Path.Combine(root, "package"), strict: false);
    var loose = watch.Elapsed.TotalSeconds;
    Console.WriteLine($"checkpoints: {count} x {megabytes} MiB ({total} MiB)");
    Console.WriteLine($"save (copy + MD5, atomic swap): {save:F2} s = {total / save:F0} MiB/s");
    Console.WriteLine($"strict load (MD5 of every file): {strict:F2} s = {total / strict:F0} MiB/s");
    Console.WriteLine($"non-strict load: {loose * 1000:F1} ms; {loaded.CheckpointCollection.Count} checkpoints");
    Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB");
}
finally
{
    if (args.Length <= 2)
    {
        Directory.Delete(root, recursive: true);
    }
}
