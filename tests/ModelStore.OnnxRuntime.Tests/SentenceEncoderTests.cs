using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;
using ModelStore.States;

namespace ModelStore.OnnxRuntime.Tests;

/// <summary>
/// A model that runs end to end, as an app runs a Hub sentence-embedding model: real PyTorch (Fixtures/bert_fixtures.py)
/// builds a small BERT-like encoder (token, position and token-type embeddings, two TransformerEncoderLayers), exports
/// it to ONNX with a Hub BERT export's interface and writes its vocab.txt, tokenizer.json and config.json; .NET tokenizes
/// with Microsoft.ML.Tokenizers' WordPiece from vocab.txt, runs the graph from a verified state in ONNX Runtime on a
/// padded batch, pools as sentence-transformers does (masked mean, L2 norm), and gets PyTorch's token ids exactly and
/// its embeddings within 1e-5 + 1e-4·|x| per component. The same model declared as one bundle and run by a consumer
/// app built against the packed feed: ModelStore.Build.Tests' EncoderBundleIntegrationTests.
/// </summary>
[TestClass]
public sealed class SentenceEncoderTests
{
    private static string s_folder = null!;
    private static JsonElement s_manifest;
    private string _relative = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void ExportWithPyTorch(TestContext context) => (s_folder, s_manifest) = PyTorchFixtures.Make("bert_fixtures.py");

    [ClassCleanup]
    public static void DeleteFixtures() => Directory.Delete(s_folder, recursive: true);

    [TestInitialize]
    public void ChoosePath() => _relative = Path.Combine("modelstates-tests", $"onnx.encoder.{Guid.NewGuid():N}.onnx");

    [TestCleanup]
    public void DeleteCopy() => PyTorchFixtures.Unpublish(_relative);

    [TestMethod]
    public void Microsoft_ML_Tokenizers_gives_the_token_ids_of_BERTs_WordPiece_from_vocab_txt()
    {
        var tokenizer = Tokenizer();
        var sentences = s_manifest.GetProperty("sentences").EnumerateArray().Select(s => s.GetString()!).ToArray();
        var expected = s_manifest.GetProperty("ids").EnumerateArray().ToArray();

        for (var i = 0; i < sentences.Length; i++)
        {
            CollectionAssert.AreEqual(expected[i].EnumerateArray().Select(e => e.GetInt32()).ToArray(), tokenizer.EncodeToIds(sentences[i], addSpecialTokens: true).ToArray(), sentences[i]);
        }

        // The vocabulary of tokenizer.json is vocab.txt's, id for id.
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(s_folder, "tokenizer.json")));
        var vocab = json.RootElement.GetProperty("model").GetProperty("vocab").EnumerateObject().OrderBy(p => p.Value.GetInt32()).Select(p => p.Name);
        CollectionAssert.AreEqual(File.ReadAllLines(Path.Combine(s_folder, "vocab.txt")), vocab.ToArray());
    }

    [TestMethod]
    public void The_exported_encoder_gives_PyTorchs_sentence_embeddings_for_a_padded_batch_and_for_each_sentence_alone()
    {
        using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(s_folder, "config.json")));
        var hidden = config.RootElement.GetProperty("hidden_size").GetInt32();
        var tokenizer = Tokenizer();
        var sentences = s_manifest.GetProperty("sentences").EnumerateArray().Select(s => s.GetString()!).ToArray();
        var ids = sentences.Select(s => tokenizer.EncodeToIds(s, addSpecialTokens: true).Select(id => (long)id).ToArray()).ToArray();
        using var session = Publish("model.onnx").CreateInferenceSession();

        var batch = Embed(session, ids, tokenizer.PaddingTokenId, hidden);
        var worst = AssertClose(s_manifest.GetProperty("embeddings"), batch, "padded batch");
        for (var i = 0; i < ids.Length; i++)
        {
            var alone = Embed(session, [ids[i]], tokenizer.PaddingTokenId, hidden);
            worst = Math.Max(worst, AssertClose(s_manifest.GetProperty("alone")[i], alone, sentences[i]));
        }

        TestContext.WriteLine($"largest difference from PyTorch: {worst:E2} over {ids.Length} sentences of {hidden} components");
    }

    private static BertTokenizer Tokenizer() =>
        BertTokenizer.Create(Path.Combine(s_folder, "vocab.txt"), new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true });

    /// <summary>
    /// Runs the graph on sentences padded to the longest with an attention mask (token types all 0) and pools its last
    /// hidden state as sentence-transformers does: the mean over the unmasked tokens, L2-normalised; row after row.
    /// </summary>
    private static float[][] Embed(InferenceSession session, long[][] ids, int padding, int hidden)
    {
        var length = ids.Max(row => row.Length);
        var inputIds = new DenseTensor<long>([ids.Length, length]);
        var mask = new DenseTensor<long>([ids.Length, length]);
        for (var row = 0; row < ids.Length; row++)
        {
            for (var column = 0; column < length; column++)
            {
                inputIds[row, column] = column < ids[row].Length ? ids[row][column] : padding;
                mask[row, column] = column < ids[row].Length ? 1 : 0;
            }
        }

        var tokenTypes = new DenseTensor<long>([ids.Length, length]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input_ids", inputIds), NamedOnnxValue.CreateFromTensor("attention_mask", mask), NamedOnnxValue.CreateFromTensor("token_type_ids", tokenTypes)]);
        var states = results.Single(r => r.Name == "last_hidden_state").AsTensor<float>();
        CollectionAssert.AreEqual(new[] { ids.Length, length, hidden }, states.Dimensions.ToArray());
        var embeddings = new float[ids.Length][];
        for (var row = 0; row < ids.Length; row++)
        {
            var mean = new float[hidden];
            for (var token = 0; token < ids[row].Length; token++)
            {
                for (var i = 0; i < hidden; i++)
                {
                    mean[i] += states[row, token, i] / ids[row].Length;
                }
            }

            var norm = MathF.Sqrt(mean.Sum(x => x * x));
            embeddings[row] = [.. mean.Select(x => x / norm)];
        }

        return embeddings;
    }

    /// <summary>Asserts every component within 1e-5 + 1e-4·|expected|; returns the largest difference.</summary>
    private static float AssertClose(JsonElement expected, float[][] actual, string what)
    {
        var rows = expected[0].ValueKind == JsonValueKind.Array ? expected.EnumerateArray().ToArray() : [expected];
        Assert.HasCount(rows.Length, actual, what);
        var worst = 0f;
        for (var row = 0; row < rows.Length; row++)
        {
            var wanted = rows[row].EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.HasCount(wanted.Length, actual[row], what);
            for (var i = 0; i < wanted.Length; i++)
            {
                var difference = Math.Abs(wanted[i] - actual[row][i]);
                worst = Math.Max(worst, difference);
                Assert.IsLessThanOrEqualTo(1e-5f + (1e-4f * Math.Abs(wanted[i])), difference, $"{what}: row {row} component {i} is {actual[row][i]}, PyTorch gives {wanted[i]}");
            }
        }

        return worst;
    }

    private PretrainedState Publish(string fixture) => PyTorchFixtures.Publish(Path.Combine(s_folder, fixture), _relative, "onnx/sentence-encoder.v1");
}
