import explore2 as E
from explore import *
NOMEAN=[f for f in E.NOTP if not f.endswith('_mean')]
NOMEAN_TP=NOMEAN+['total_params']
for feats,fn in [(NOMEAN,'nomeans'),(NOMEAN_TP,'nomeans+total_params')]:
  for lam in [0.1,0.25,0.5,1,2,4]:
    run('%s fit=bases log 1/(W+%s)'%(fn,lam),feats,tr=logt,fit='bases',weights=E.invwithin(lam))
  run('%s fit=bases log none'%fn,feats,tr=logt,fit='bases')
