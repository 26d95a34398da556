using System.Diagnostics;

namespace ModelStore.Plums.Tests;

/// <summary>
/// Interoperability with PyYAML (Debian's python3-yaml), the library Plums reads and writes <c>metadata.yaml</c> with:
/// a model folder written by PyYAML's <c>safe_dump</c> loads here and saves back byte for byte, and what we write
/// survives PyYAML's <c>safe_load</c> + <c>safe_dump</c> unchanged (so every value keeps its type).
/// </summary>
[TestClass]
public sealed class PyYamlInteropTests
{
    private const string Python = "/usr/bin/python3";

    private const string WriteModelScript = """
        import hashlib, os, sys, yaml
        root = sys.argv[1]
        os.makedirs(os.path.join(root, 'data', 'checkpoints'))
        os.makedirs(os.path.join(root, 'data', 'initialisation'))
        def write(rel, data):
            with open(os.path.join(root, rel), 'wb') as f:
                f.write(data)
            return hashlib.md5(data).hexdigest()
        checkpoints = {}
        checkpoints[0] = {'epoch': 0, 'path': 'data/checkpoints/e0.pt', 'hash': write('data/checkpoints/e0.pt', b'zero')}
        checkpoints['best-1.0'] = {'epoch': 2, 'path': 'data/checkpoints/best.pt', 'hash': write('data/checkpoints/best.pt', b'best')}
        init_hash = write('data/initialisation/coco.pt', b'coco')
        metadata = {
            'format': {'version': '1.0.0', 'producer': {'name': 'yolo_v5', 'version': {'format': 'py_pa', 'value': '1.0'}}},
            'model': {
                'name': 'd\u00e9tecteur', 'id': '42',
                'configuration': {'path': 'train.cfg', 'hash': write('train.cfg', b'epochs = 3\n')},
                'initialisation': {'file': {'name': 'coco', 'path': 'data/initialisation/coco.pt', 'hash': init_hash}},
                'training': {
                    'status': 'failed', 'start_epoch': 0, 'start_time': 1700000000.123456, 'latest_epoch': 2,
                    'latest_time': 1700000360.5, 'end_epoch': 2, 'end_time': 1700000360.5, 'latest': 'best-1.0',
                    'checkpoints': checkpoints,
                },
            },
        }
        with open(os.path.join(root, 'metadata.yaml'), 'w') as f:
            yaml.safe_dump(metadata, f)
        with open(os.path.join(root, 'data', 'build_parameters.yaml'), 'w') as f:
            yaml.safe_dump({'size': [640, 640], 'classes': ['car', 'truck'], 'threshold': 0.25, 'use_gpu': True, 'extra': None, 'version': '2.0'}, f)
        """;

    private const string RoundTripScript = """
        import sys, yaml
        for path in sys.argv[1:]:
            with open(path) as f:
                text = f.read()
            again = yaml.safe_dump(yaml.safe_load(text))
            if again != text:
                sys.stdout.write('DIFFERENT ' + path + '\n' + again)
        sys.stdout.write('checked')
        """;

    private static string Run(string script, params string[] arguments)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, error);
        return output;
    }

    [TestMethod]
    public void AModelWrittenByPyYamlLoadsAndSavesBackByteForByte()
    {
        using var folder = new TempFolder();
        Run(WriteModelScript, folder["python"]);

        var model = Model.Load(folder["python"], strict: true);
        Assert.AreEqual("détecteur", model.Name);
        Assert.AreEqual("42", model.Id);
        Assert.AreEqual("1.0", model.Producer.Version.Value);
        CollectionAssert.AreEqual(new CheckpointReference[] { 0, "best-1.0" }, model.CheckpointCollection.Keys.ToList());
        Assert.AreEqual((CheckpointReference)"best-1.0", model.CheckpointCollection.Latest);
        Assert.AreEqual(TrainingStatus.Failed, model.Training.Status);
        Assert.AreEqual(1700000000.123456, model.Training.StartTimestamp);
        Assert.AreEqual(true, model.BuildParameters["use_gpu"]);
        Assert.IsNull(model.BuildParameters["extra"]);
        Assert.AreEqual("2.0", model.BuildParameters["version"]);

        model.Save(folder["ours"]);
        foreach (var file in new[] { "metadata.yaml", "data/build_parameters.yaml" })
        {
            Assert.AreEqual(File.ReadAllText(folder["python/" + file]), File.ReadAllText(folder["ours/" + file]), file);
        }
    }

    [TestMethod]
    public void WhatWeWriteSurvivesPyYamlUnchanged()
    {
        using var folder = new TempFolder();
        var parent = Models.Trained(folder, id: "0123");
        parent.BuildParameters["odd strings"] = new List<object?> { "yes", "1.0", "", "a: b", "#", "caf\u00e9", "tab\t", "~", "2020-01-01", "0x1F" };
        parent.BuildParameters["numbers"] = new List<object?> { 1e16, 1e-5, -0.0, 12345678901234567890m, long.MinValue };
        parent.Save(folder["parent"]);
        var child = new Model("child_producer", "py_pa", "1.0rc1", null, "child", folder.Write("c.yaml", "c"));
        child.RegisterInitialisation(folder["parent"], "best");
        child.Save(folder["child"]);

        var output = Run(
            RoundTripScript,
            folder["parent/metadata.yaml"],
            folder["parent/data/build_parameters.yaml"],
            folder["child/metadata.yaml"],
            folder["child/data/initialisation/metadata.yaml"]);
        Assert.AreEqual("checked", output);
    }
}
