import explore2 as E
from explore import *
F=['global_std','global_norm','global_skewness','global_kurtosis','attention_std','attention_norm','ffn_std','ffn_norm','embedding_std','embedding_norm']
LAM=0.5
def model(bs):
    B=[vec(r[3],F,logt) for r in bs]
    ms=fit_scale(B); Bz=[apply(x,ms) for x in B]
    W,Bv=E.within_between(Bz,[r[1] for r in bs])
    w=[1/(x+LAM) for x in W]
    return ms,Bz,w
ms,Bz,w=model(bases)
print('weights',[round(x,2) for x in w])
import itertools
print('within-family base distances:')
for i,j in itertools.combinations(range(8),2):
    if bases[i][1]==bases[j][1]: print('  %s - %s %.2f'%(bases[i][0],bases[j][0],d2(Bz[i],Bz[j],w)))
print('between-family min base distance:', min(d2(Bz[i],Bz[j],w) for i,j in itertools.combinations(range(8),2) if bases[i][1]!=bases[j][1]))
print('derivative -> nearest base')
ok=0
for r in ders:
    q=apply(vec(r[3],F,logt),ms)
    ds=sorted((d2(q,Bz[j],w),bases[j][0],bases[j][1]) for j in range(8))
    ok+=ds[0][2]==r[1]
    print('  %-45s %-7s -> %-20s %.2f  (2nd %s %.2f)'%(r[0],r[1],ds[0][1],ds[0][0],ds[1][1],ds[1][0]))
print(ok)
# leave one family out
print('leave-one-family-out: nearest distance of held-out family members')
fams=sorted(set(r[1] for r in bases))
for f in fams:
    bs=[r for r in bases if r[1]!=f]
    ms2,Bz2,w2=model(bs)
    dd=[]
    for r in bases+ders:
        if r[1]!=f: continue
        q=apply(vec(r[3],F,logt),ms2)
        dd.append(min(d2(q,b,w2) for b in Bz2))
    print('  %-8s min %.2f median %.2f'%(f,min(dd),sorted(dd)[len(dd)//2]))
