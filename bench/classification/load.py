import json,glob,os,math
# Variant study for docs/classification.md: pure Python 3, no packages. Run from this folder:
#   python3 grid.py; python3 grid2.py; python3 unk.py; python3 lofo.py
ROOT=os.path.join(os.path.dirname(os.path.abspath(__file__)),'..','..')
R=os.path.join(ROOT,'tests','data','reference-fingerprints')
BASES=os.path.join(ROOT,'policies','fingerprints')
labels={}
for line in open(R+'/labels.tsv').read().splitlines()[1:]:
    n,f,r=line.split('\t'); labels[n]=(f,r)
FE=['global_mean','global_std','global_norm','global_skewness','global_kurtosis','attention_mean','attention_std','attention_norm','ffn_mean','ffn_std','ffn_norm','embedding_mean','embedding_std','embedding_norm','total_params','num_layers']
def load():
    out=[]
    for p in sorted(glob.glob(BASES+'/*.json'))+sorted(glob.glob(R+'/derivatives/*.json')):
        d=json.load(open(p))
        n=d.get('model_name')
        out.append((n,labels[n][0],labels[n][1],d,os.path.basename(p)))
    return out
