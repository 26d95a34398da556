using Microsoft.ML.OnnxRuntime;
using ModelStore.Caching;
using ModelStore.IO;
using ModelStore.Stores;

namespace ModelStore.OnnxRuntime;

/// <summary>
/// ONNX models on disk, including models whose weights are in external data files next to the graph (how ONNX stores
/// a model over 2 GB, and how the Hub ships many: <c>onnx/model.onnx</c> beside <c>onnx/model.onnx_data</c>).
/// </summary>
public static class OnnxModelFile
{
    /// <summary>
    /// Creates an inference session from the graph at <paramref name="path"/>, ONNX Runtime reading any external data
    /// files from the graph's folder. The graph is untrusted: before ONNX Runtime sees it, every external data
    /// location it names must be a plain relative path inside the graph's folder (no absolute path, no <c>..</c>, no
    /// symbolic link leading out) naming an existing file. A bundle folder of the cache is a folder of links to its blobs
    /// (<see cref="StateCache.IsBundleFile"/>), which ONNX Runtime refuses as external data: open such a graph from the
    /// bundle's copy in the output folder (<c>CopyToOutputDirectory</c>).
    /// </summary>
    /// <param name="path">The <c>.onnx</c> graph.</param>
    /// <param name="options">Session options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="StateStoreException">
    /// <see cref="StateStoreError.NotFound"/> when the graph or an external data file it names is missing;
    /// <see cref="StateStoreError.InvalidContent"/> when the graph is not an ONNX model (the message says what it is), is
    /// malformed, names external data outside its folder, or reaches it through a cache bundle's links.
    /// </exception>
    public static InferenceSession CreateInferenceSession(string path, SessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new StateStoreException(StateStoreError.NotFound, $"The ONNX model '{full}' does not exist.");
        }

        var graph = File.ReadAllBytes(full);
        if (OnnxContent.DescribeOtherFormat(graph) is { } other)
        {
            throw new StateStoreException(StateStoreError.InvalidContent, $"'{full}' is {other}, not an ONNX model; an inference session needs an .onnx file.");
        }

        CheckExternalData(graph, full);
        try
        {
            return options is null ? new InferenceSession(full) : new InferenceSession(full, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new StateStoreException(StateStoreError.InvalidContent, $"'{full}' is not a valid ONNX model: {e.Message}", null, e);
        }
    }

    private static void CheckExternalData(byte[] graph, string path)
    {
        List<string> locations;
        try
        {
            locations = OnnxExternalData.Locations(graph);
        }
        catch (FormatException e)
        {
            throw new StateStoreException(StateStoreError.InvalidContent, $"'{path}' is not a valid ONNX model: {e.Message}.", null, e);
        }

        var folder = Path.GetDirectoryName(path)!;
        foreach (var location in locations.Distinct(StringComparer.Ordinal))
        {
            var shown = new string([.. location.Take(200).Select(c => char.IsControl(c) ? '?' : c)]);
            if (!ConfinedPath.IsPlainRelative(location))
            {
                throw new StateStoreException(StateStoreError.InvalidContent, $"'{path}' names the external data file '{shown}': it must be a relative path inside the model's folder, without '..', '.' or empty parts.");
            }

            var file = Path.Combine(folder, location);
            if (!File.Exists(file))
            {
                throw new StateStoreException(StateStoreError.NotFound, $"'{path}' keeps weights in the external data file '{shown}', which is not next to it.");
            }

            bool inside;
            try
            {
                inside = ConfinedPath.IsInside(file, folder);
            }
            catch (IOException)
            {
                inside = false;
            }

            if (!inside && StateCache.IsBundleFile(file))
            {
                // ONNX Runtime itself refuses external data that a link leads out of the graph's real folder.
                throw new StateStoreException(StateStoreError.InvalidContent, $"'{path}' keeps weights in the external data file '{shown}', which this cache bundle holds as a link to a blob: ONNX Runtime refuses external data reached through a link. Copy the bundle to the output (CopyToOutputDirectory=\"PreserveNewest\" on the ModelState) and open the copy.");
            }

            if (!inside)
            {
                throw new StateStoreException(StateStoreError.InvalidContent, $"'{path}' names the external data file '{shown}', a symbolic link that leads outside the model's folder.");
            }
        }
    }
}
