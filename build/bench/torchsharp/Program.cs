using System.Diagnostics;
using System.Globalization;
using ModelStore.TorchSharp;
using ModelStore.TorchSharp.Formats;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

// One measurement per process, so each peak RSS is its own:
//   raw  FILE                 read the file front to back into a reused 4 MiB buffer (cache-hot: the floor)
//   rawmem FILE               read the whole file into one file-sized buffer allocated and touched beforehand,
//                             as loading does into the module's already allocated parameters
//   load FILE LAYERS WIDTH    build the model, then time loading the state into it (strict)
//   pybridge FILE LAYERS WIDTH         the same with TorchSharp.PyBridge's load_py (PyTorch files)
//   pybridge-safetensors FILE L W      the same with TorchSharp.PyBridge's load_safetensors
//   convert FILE OUT          rewrite a state as safetensors (setup, not timed)
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: TorchSharpLoadBench raw|rawmem FILE | load|pybridge|pybridge-safetensors FILE LAYERS WIDTH | convert FILE OUT");
    return 2;
}

var file = args[1];
if (args[0] == "convert")
{
    using var source = StateFile.Open(file);
    var tensors = source.ReadAll();
    using (var output = File.Create(args[2]))
    {
        StateWriter.Write(output, tensors, StateFormat.Safetensors);
    }

    foreach (var tensor in tensors.Values)
    {
        tensor.Dispose();
    }

    return 0;
}

double seconds;
long baseline;
if (args[0] == "raw")
{
    baseline = PeakRssBytes();
    var buffer = new byte[4 << 20];
    var watch = Stopwatch.StartNew();
    using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
    {
        while (stream.Read(buffer) > 0)
        {
        }
    }

    seconds = watch.Elapsed.TotalSeconds;
}
else if (args[0] == "rawmem")
{
    var buffer = new byte[new FileInfo(file).Length];
    buffer.AsSpan().Fill(1); // touch every page first, as the module's parameters are before a load
    baseline = PeakRssBytes();
    var watch = Stopwatch.StartNew();
    using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
    {
        stream.ReadExactly(buffer);
    }

    seconds = watch.Elapsed.TotalSeconds;
}
else
{
    var layers = int.Parse(args[2], CultureInfo.InvariantCulture);
    var width = int.Parse(args[3], CultureInfo.InvariantCulture);
    using var model = BenchModel(layers, width);
    baseline = PeakRssBytes();
    var watch = Stopwatch.StartNew();
    switch (args[0])
    {
        case "load":
            var report = model.LoadState(file, strict: true);
            seconds = watch.Elapsed.TotalSeconds;
            if (report.Loaded.Length != (2 * layers) + 5)
            {
                Console.Error.WriteLine($"unexpected report: {report}");
                return 1;
            }

            break;
        case "pybridge":
            model.load_py(file, strict: true);
            seconds = watch.Elapsed.TotalSeconds;
            break;
        case "pybridge-safetensors":
            model.load_safetensors(file, strict: true);
            seconds = watch.Elapsed.TotalSeconds;
            break;
        default:
            Console.Error.WriteLine($"unknown command {args[0]}");
            return 2;
    }

    // The loaded values must be the file's: compare two small tensors with an independent read (after the peak RSS is taken).
    var peak = PeakRssBytes();
    using var check = StateFile.Open(file);
    foreach (var name in new[] { "0.bias", $"{layers}.running_var" })
    {
        using var expected = check.ReadTensor(name);
        if (!model.state_dict()[name].allclose(expected, rtol: 0, atol: 0))
        {
            Console.Error.WriteLine($"{args[0]} loaded other values than the file holds ({name})");
            return 1;
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"seconds\": {seconds:F4}, \"peak_rss_mb\": {peak / 1048576.0:F1}, \"rss_before_mb\": {baseline / 1048576.0:F1}}}"));
    return 0;
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"seconds\": {seconds:F4}, \"peak_rss_mb\": {PeakRssBytes() / 1048576.0:F1}, \"rss_before_mb\": {baseline / 1048576.0:F1}}}"));
return 0;

// The twin of the model in bench.py: LAYERS square Linear layers and a BatchNorm1d.
static nn.Module<Tensor, Tensor> BenchModel(int layers, int width)
{
    var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
    for (var i = 0; i < layers; i++)
    {
        modules.Add((i.ToString(CultureInfo.InvariantCulture), nn.Linear(width, width)));
    }

    modules.Add((layers.ToString(CultureInfo.InvariantCulture), nn.BatchNorm1d(width)));
    return nn.Sequential(modules);
}

static long PeakRssBytes()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
    }

    return 0;
}
