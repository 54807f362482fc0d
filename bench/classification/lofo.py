import explore2 as E, itertools
from explore import *
from unk import F, model, LAM
def thr(bs,Bz,w):
    t=0
    for i,j in itertools.combinations(range(len(bs)),2):
        if bs[i][1]==bs[j][1]: t=max(t,d2(Bz[i],Bz[j],w))
    return t
for f in sorted(set(r[1] for r in bases)):
    bs=[r for r in bases if r[1]!=f]
    ms,Bz,w=model(bs); t=thr(bs,Bz,w)
    held=[r for r in bases+ders if r[1]==f]
    unk=sum(min(d2(apply(vec(r[3],F,logt),ms),b,w) for b in Bz)>t for r in held)
    # false unknowns among other families' derivatives
    others=[r for r in ders if r[1]!=f]
    fu=sum(min(d2(apply(vec(r[3],F,logt),ms),b,w) for b in Bz)>t for r in others)
    print('%-8s threshold %.2f held-out flagged unknown %d/%d ; other-family derivatives flagged unknown %d/%d'%(f,t,unk,len(held),fu,len(others)))
