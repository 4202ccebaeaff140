using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace NarrativeMonitor.StanceModel.Model;

/// <summary>
/// The trees of a trained ML.NET LightGBM ensemble flattened into arrays and evaluated directly: the same numbers as
/// ML.NET's prediction engine (checked at load and in tests) at a fraction of its per-call cost.
/// </summary>
internal sealed class CompiledForest
{
    private readonly int[] _roots;
    private readonly int[] _feature;
    private readonly float[] _threshold;
    private readonly int[] _left;
    private readonly int[] _right;
    private readonly float[] _leafValues;
    private readonly int[] _leafOffsets;
    private readonly double[] _weights;
    private readonly double _bias;

    private CompiledForest(RegressionTreeEnsemble ensemble)
    {
        var trees = ensemble.Trees;
        _roots = new int[trees.Count];
        _leafOffsets = new int[trees.Count];
        _weights = ensemble.TreeWeights.ToArray();
        _bias = ensemble.Bias;
        var feature = new List<int>();
        var threshold = new List<float>();
        var left = new List<int>();
        var right = new List<int>();
        var leaves = new List<float>();
        for (var t = 0; t < trees.Count; t++)
        {
            var tree = trees[t];
            _roots[t] = tree.NumberOfNodes == 0 ? -1 : feature.Count;
            _leafOffsets[t] = leaves.Count;
            var nodeOffset = feature.Count;
            for (var n = 0; n < tree.NumberOfNodes; n++)
            {
                if (tree.CategoricalSplitFlags.Count > n && tree.CategoricalSplitFlags[n])
                {
                    throw new NotSupportedException("categorical splits are not used by the stance features");
                }

                feature.Add(tree.NumericalSplitFeatureIndexes[n]);
                threshold.Add(tree.NumericalSplitThresholds[n]);
                left.Add(tree.LeftChild[n] >= 0 ? tree.LeftChild[n] + nodeOffset : tree.LeftChild[n]);
                right.Add(tree.RightChild[n] >= 0 ? tree.RightChild[n] + nodeOffset : tree.RightChild[n]);
            }

            foreach (var v in tree.LeafValues)
            {
                leaves.Add((float)v);
            }
        }

        _feature = feature.ToArray();
        _threshold = threshold.ToArray();
        _left = left.ToArray();
        _right = right.ToArray();
        _leafValues = leaves.ToArray();
    }

    public double Score(ReadOnlySpan<float> x)
    {
        var sum = _bias;
        for (var t = 0; t < _roots.Length; t++)
        {
            var node = _roots[t];
            if (node < 0)
            {
                sum += _weights[t] * _leafValues[_leafOffsets[t]];
                continue;
            }

            while (node >= 0)
            {
                node = x[_feature[node]] <= _threshold[node] ? _left[node] : _right[node];
            }

            sum += _weights[t] * _leafValues[_leafOffsets[t] + ~node];
        }

        return sum;
    }

    /// <summary>Stage 1: a calibrated binary LightGBM model.</summary>
    public static (CompiledForest Forest, PlattCalibrator Calibrator) FromBinary(ITransformer transformer)
    {
        var predictor = transformer as ISingleFeaturePredictionTransformer<object>
            ?? throw new InvalidDataException($"related model: unexpected transformer {transformer.GetType().Name}");
        if (predictor.Model is not CalibratedModelParametersBase<LightGbmBinaryModelParameters, PlattCalibrator> calibrated)
        {
            throw new InvalidDataException($"related model: unexpected model {predictor.Model.GetType().Name}");
        }

        return (new CompiledForest(calibrated.SubModel.TrainedTreeEnsemble), calibrated.Calibrator);
    }
}
